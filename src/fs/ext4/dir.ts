import type { FileType } from "../filetree.js";
import { DIRENT_FILE_TYPES } from "../mode.js";
import { isUnopenableName } from "../path.js";
import { checkSize, inlineBytes, mapRuns, mapRunsNow } from "./data.js";
import { INLINE_DATA_FL, type Inode } from "./inode.js";
import type { Volume } from "./volume.js";

export interface Dirent {
  name: string;
  ino: number;
  /** From the entry's file_type byte; undefined without INCOMPAT_FILETYPE (ask the inode). */
  type: FileType | undefined;
}

/** dirent file_type values (ext4 on-disk format, "Linear (Classic) Directories"). */

/** Directories above this size are damage (a 3-level htree of 64 KiB blocks stays far below). */
const MAX_DIR_BYTES = 2 ** 32;

/**
 * Parses the dirents in `buf` (one directory block, or an inline area) into `out`. Every record
 * must advance by 8..remaining bytes, 4-aligned, and hold its name. Entries with inode 0 are
 * unused space, the metadata_csum tail (file_type 0xDE) and htree interior nodes' fake entry;
 * an htree root's ".." spans the dx_root data, so a linear read never sees it as entries.
 */
export function parseDirents(
  vol: Volume,
  buf: Buffer,
  offset: number,
  structure: string,
  out: Dirent[],
): void {
  let at = 0;
  while (at + 8 <= buf.length) {
    const ino = buf.readUInt32LE(at);
    let recLen = buf.readUInt16LE(at + 4);
    // 64 KiB blocks store a full-block record length as 65535 or 0.
    if (vol.blockSize === 65536 && buf.length === 65536 && (recLen === 65535 || recLen === 0)) recLen = 65536;
    const nameLen = vol.sb.hasFiletype ? buf[at + 6]! : buf.readUInt16LE(at + 6);
    if (recLen < 8 || recLen % 4 !== 0 || at + recLen > buf.length)
      throw vol.error(
        structure,
        offset + at + 4,
        `a record length of 8..${buf.length - at}, multiple of 4 (got ${recLen})`,
      );
    if (ino !== 0) {
      if (8 + nameLen > recLen)
        throw vol.error(structure, offset + at + 6, `a name of ≤ ${recLen - 8} bytes (got ${nameLen})`);
      const name = buf.toString("utf8", at + 8, at + 8 + nameLen);
      if (isUnopenableName(name))
        throw vol.error(
          structure,
          offset + at + 8,
          `a name without "/" or NUL (got ${JSON.stringify(name)})`,
        );
      if (name !== "." && name !== ".." && nameLen > 0) {
        const t = vol.sb.hasFiletype ? buf[at + 7]! : 0;
        out.push({
          name,
          ino,
          type: t > 0 && t < DIRENT_FILE_TYPES.length ? DIRENT_FILE_TYPES[t] : undefined,
        });
      }
    }
    at += recLen;
  }
}

/**
 * All entries of a directory (without "." and ".."). Linear and htree directories alike are read
 * block by block: htree leaves are ordinary dirent blocks and its index blocks hold no entries.
 */
export async function readDirectory(vol: Volume, inode: Inode): Promise<Dirent[]> {
  const out: Dirent[] = [];
  const structure = `ext directory inode ${inode.ino}`;
  if (inode.flags & INLINE_DATA_FL) {
    // i_block: the parent's inode number (4 bytes), then dirents; system.data continues them.
    const all = inlineBytes(vol, inode);
    parseDirents(vol, all.subarray(4, 60), inode.offset + 0x28 + 4, structure, out);
    if (all.length > 60) parseDirents(vol, all.subarray(60), inode.offset, `${structure} inline xattr`, out);
    return out;
  }
  if (inode.size > Math.min(MAX_DIR_BYTES, vol.source.size) || inode.size % vol.blockSize !== 0)
    throw vol.error(
      structure,
      inode.offset + 0x4,
      `a size that is a multiple of ${vol.blockSize}, below 4 GiB and the image size`,
    );
  checkSize(vol, inode);
  const endBlock = inode.size / vol.blockSize;
  for await (const run of mapRunsNow(vol, inode, 0) ?? mapRuns(vol, inode, 0)) {
    if (run.zero) continue;
    for (let b = 0; b < run.length && run.logical + b < endBlock; b++) {
      const physical = run.physical + b;
      // Not through the block cache: parsed at once into names (copies), the block is never
      // wanted again, and a walk reads every directory (a cached buffer each, then garbage).
      await vol.withBlock(physical, structure, inode.offset, (buf) =>
        parseDirents(vol, buf, physical * vol.blockSize, structure, out),
      );
    }
  }
  return out;
}
