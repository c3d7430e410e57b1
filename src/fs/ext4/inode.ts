import type { FileType } from "../filetree.js";
import { typeOfMode } from "../mode.js";
import type { Volume } from "./volume.js";

// i_flags bits (ext4 on-disk format, "Inode Table").
export const EXTENTS_FL = 0x80000;
export const INLINE_DATA_FL = 0x10000000;
/** Encrypted with fscrypt: a directory's names and a file's or symlink's bytes are ciphertext. */
export const ENCRYPT_FL = 0x800;
/** A directory whose names the kernel matches case-insensitively (with the CASEFOLD feature). */
export const CASEFOLD_FL = 0x40000000;
const HUGE_FILE_FL = 0x40000;

export interface Inode {
  ino: number;
  /** Byte offset of the inode in the image, for error messages. */
  offset: number;
  mode: number;
  type: FileType;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  links: number;
  flags: number;
  /** i_blocks in 512-byte units (or filesystem blocks with HUGE_FILE_FL), for fast-symlink detection. */
  blocks512: number;
  fileAcl: number;
  /** The 60 bytes of i_block: block map, extent root, inline data or a fast symlink target. */
  iBlock: Buffer;
  /** The whole on-disk inode (in-inode extended attributes follow i_extra_isize). */
  raw: Buffer;
}

/** Throws ImageFormatError unless `ino` (found at byte `where`) is an inode number of this filesystem. */
export function checkInodeNumber(vol: Volume, ino: number, where: number): void {
  if (!Number.isInteger(ino) || ino < 1 || ino > vol.sb.inodesCount)
    throw vol.error(
      "ext inode number",
      where,
      `an inode number from 1 to ${vol.sb.inodesCount} (got ${ino})`,
    );
}

/** Reads inode `ino` (1-based). Throws ImageFormatError when it is out of range or unreadable. */
export function readInode(vol: Volume, ino: number, where: number): Inode | Promise<Inode> {
  const { sb } = vol;
  checkInodeNumber(vol, ino, where);
  const group = Math.floor((ino - 1) / sb.inodesPerGroup);
  const table = vol.inodeTableNow(group);
  if (table === undefined) return readInodeLater(vol, ino, group);
  const blockNo = inodeBlock(vol, ino, table);
  // A walk reads inodes in number order: most lie in a table block read for an earlier one, and
  // an await per inode (three, through the table and the block) was a tenth of the walk's time.
  const block = vol.inodeTableBlockNow(blockNo);
  return block ? parseInode(vol, ino, block, blockNo) : readInodeLater(vol, ino, group);
}

async function readInodeLater(vol: Volume, ino: number, group: number): Promise<Inode> {
  const table = await vol.inodeTable(group);
  const blockNo = inodeBlock(vol, ino, table);
  const block = await vol.inodeTableBlock(blockNo, table, `ext inode ${ino}`, blockNo * vol.blockSize);
  return parseInode(vol, ino, block, blockNo);
}

/** The block of the inode table starting at `table` that holds inode `ino`. */
function inodeBlock(vol: Volume, ino: number, table: number): number {
  const index = (ino - 1) % vol.sb.inodesPerGroup;
  return table + Math.floor((index * vol.sb.inodeSize) / vol.blockSize);
}

/** Inode `ino` from its inode-table block `blockNo`. */
function parseInode(vol: Volume, ino: number, block: Buffer, blockNo: number): Inode {
  const { sb } = vol;
  const byte = ((ino - 1) % sb.inodesPerGroup) * sb.inodeSize;
  const at = byte % vol.blockSize;
  // A copy, so a cached inode does not keep its whole inode-table block alive.
  const raw = Buffer.from(block.subarray(at, at + sb.inodeSize));
  const offset = blockNo * vol.blockSize + at;
  const mode = raw.readUInt16LE(0x0);
  const type = typeOfMode(mode);
  // Reached through a directory entry (or the root): the kernel refuses such an inode ("bogus
  // i_mode", EFSCORRUPTED), and a walk that took it for an odd file would skip what lies under it
  // without a word. An error is reported, so the scan says what it could not read.
  if (type === "unknown")
    throw vol.error(
      `ext inode ${ino}`,
      offset,
      `a file type in i_mode (got 0o${mode.toString(8).padStart(6, "0")})`,
    );
  const flags = raw.readUInt32LE(0x20);
  const extra = sb.inodeSize > 128 ? raw.readUInt16LE(0x80) : 0;
  // i_mtime_extra (0x88): nanoseconds << 2, low two bits extend the epoch.
  let mtimeMs = raw.readInt32LE(0x10) * 1000;
  if (extra >= 0x0c && 128 + extra <= sb.inodeSize) {
    const mx = raw.readUInt32LE(0x88);
    mtimeMs = (raw.readInt32LE(0x10) + (mx & 3) * 2 ** 32) * 1000 + (mx >>> 2) / 1e6;
  }
  const blocksLo = raw.readUInt32LE(0x1c) + raw.readUInt16LE(0x74) * 2 ** 32;
  return {
    ino,
    offset,
    mode,
    type,
    uid: (raw.readUInt16LE(0x2) | (raw.readUInt16LE(0x78) << 16)) >>> 0,
    gid: (raw.readUInt16LE(0x18) | (raw.readUInt16LE(0x7a) << 16)) >>> 0,
    size: raw.readUInt32LE(0x4) + raw.readUInt32LE(0x6c) * 2 ** 32,
    mtimeMs,
    links: raw.readUInt16LE(0x1a),
    flags,
    blocks512: flags & HUGE_FILE_FL ? blocksLo * (vol.blockSize / 512) : blocksLo,
    fileAcl: raw.readUInt32LE(0x68) + raw.readUInt16LE(0x76) * 2 ** 32,
    iBlock: raw.subarray(0x28, 0x28 + 60),
    raw,
  };
}

/**
 * The largest size a file can have with its block mapping: 2^32 logical blocks with extents;
 * 12 direct + 1, 2 and 3 levels of indirect blocks otherwise. A bigger i_size is damage.
 */
export function maxFileSize(vol: Volume, inode: Inode): number {
  const bs = vol.blockSize;
  if (inode.flags & EXTENTS_FL) return 2 ** 32 * bs;
  const p = bs / 4;
  return Math.min((12 + p + p * p + p * p * p) * bs, 2 ** 53);
}

/** Value of the in-inode extended attribute `system.data` (inline data beyond i_block), if any. */
export function inlineDataXattr(inode: Inode, inodeSize: number): Buffer | undefined {
  const raw = inode.raw;
  if (inodeSize <= 128) return undefined;
  const extra = raw.readUInt16LE(0x80);
  let at = 128 + extra;
  if (at + 4 > inodeSize || raw.readUInt32LE(at) !== 0xea020000) return undefined;
  at += 4;
  const entriesStart = at;
  // Entries: name_len(1) name_index(1) value_offs(2) value_inum(4) value_size(4) hash(4) name, 4-aligned.
  while (at + 16 <= inodeSize && raw.readUInt32LE(at) !== 0) {
    const nameLen = raw[at]!;
    const nameIndex = raw[at + 1]!;
    const valueOffs = raw.readUInt16LE(at + 2);
    const valueSize = raw.readUInt32LE(at + 8);
    const name = raw.toString("latin1", at + 16, Math.min(at + 16 + nameLen, inodeSize));
    if (nameIndex === 7 && name === "data") {
      const start = entriesStart + valueOffs;
      if (start + valueSize > inodeSize) return undefined;
      return raw.subarray(start, start + valueSize);
    }
    at += (16 + nameLen + 3) & ~3;
  }
  return undefined;
}
