import type { FileType } from "../filetree.js";
import { DIRENT_FILE_TYPES } from "../mode.js";
import { isUnopenableName } from "../path.js";
import { type Extent, findExtent, readExtents } from "./bmap.js";
import { FORMAT, type XfsInode } from "./inode.js";
import type { XfsVolume } from "./volume.js";

/** A directory entry as stored: inode number and, when the filesystem has ftype, the type. */
export interface XfsDirEntry {
  ino: number;
  type?: FileType;
}

// Directory block magics (xfs_da_format.h): single-block form and data blocks of leaf/node form.
const XD2B = 0x58443242;
const XDB3 = 0x58444233;
const XD2D = 0x58443244;
const XDD3 = 0x58444433;
/** Data blocks live below this byte offset of the directory; leaf and free index blocks above it. */
const LEAF_OFFSET = 32 * 2 ** 30;

function ftypeOf(vol: XfsVolume, b: Buffer, at: number): FileType | undefined {
  if (!vol.sb.ftype) return undefined;
  const type = DIRENT_FILE_TYPES[b[at] as number];
  return type === "unknown" ? undefined : type;
}

/** Adds one name; the walk and lookups never see "." and "..", duplicates mean damage. */
function add(
  vol: XfsVolume,
  dir: XfsInode,
  out: Map<string, XfsDirEntry>,
  name: string,
  entry: XfsDirEntry,
  at: number,
) {
  if (name === "." || name === "..") return;
  if (isUnopenableName(name) || out.has(name))
    throw vol.error(
      `XFS directory ${dir.ino}`,
      at,
      `unique names without "/" or NUL (got ${JSON.stringify(name)})`,
    );
  out.set(name, entry);
}

/** Shortform directory in the inode's literal area (xfs_dir2_sf_hdr + entries). */
function parseShortform(vol: XfsVolume, dir: XfsInode, out: Map<string, XfsDirEntry>): void {
  const f = dir.dataFork;
  const bad = (expected: string) => vol.error(`XFS shortform directory ${dir.ino}`, dir.offset, expected);
  if (dir.size > f.length || dir.size < 6) throw bad(`a size of 6..${f.length} bytes (got ${dir.size})`);
  const count = f[0] as number;
  const i8 = (f[1] as number) > 0;
  const inoLen = i8 ? 8 : 4;
  let pos = 2 + inoLen;
  for (let i = 0; i < count; i++) {
    const namelen = f[pos] as number;
    const end = pos + 3 + namelen + (vol.sb.ftype ? 1 : 0) + inoLen;
    if (namelen === 0 || end > dir.size) throw bad(`${count} entries within ${dir.size} bytes`);
    const name = f.toString("utf8", pos + 3, pos + 3 + namelen);
    const type = ftypeOf(vol, f, pos + 3 + namelen);
    const inoAt = end - inoLen;
    const ino = i8 ? Number(f.readBigUInt64BE(inoAt)) : f.readUInt32BE(inoAt);
    add(vol, dir, out, name, { ino, type }, dir.offset);
    pos = end;
  }
}

/** Reads directory block `dblock` (in filesystem blocks) through the mapping; undefined when unmapped. */
async function readDirBlock(
  vol: XfsVolume,
  extents: Extent[],
  dblock: number,
  fsbs: number,
): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  for (let i = 0; i < fsbs; i++) {
    const block = dblock + i;
    const e = extents[findExtent(extents, block)];
    if (!e || e.unwritten) return undefined;
    parts.push(await vol.readBlocks(e.startBlock + (block - e.fileBlock), 1, "XFS directory block"));
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/** Entries of one data block (or the data part of a single-block directory). */
function parseDataBlock(
  vol: XfsVolume,
  dir: XfsInode,
  b: Buffer,
  dblock: number,
  out: Map<string, XfsDirEntry>,
) {
  const structure = `XFS directory ${dir.ino} block ${dblock}`;
  const magic = b.readUInt32BE(0);
  const v5 = vol.sb.version === 5;
  const header = v5 ? 64 : 16;
  let end = b.length;
  if (magic === (v5 ? XDB3 : XD2B)) {
    const leafCount = b.readUInt32BE(b.length - 8);
    end = b.length - 8 - leafCount * 8;
    if (end < header) throw vol.error(structure, -1, "a leaf count that fits in the block");
  } else if (magic !== (v5 ? XDD3 : XD2D)) {
    throw vol.error(structure, -1, v5 ? 'magic "XDB3" or "XDD3"' : 'magic "XD2B" or "XD2D"');
  }
  if (v5 && Number(b.readBigUInt64BE(40)) !== dir.ino)
    throw vol.error(structure, 40, `owner inode ${dir.ino}`);
  let pos = header;
  while (pos < end) {
    if (b.readUInt16BE(pos) === 0xffff) {
      const len = b.readUInt16BE(pos + 2);
      if (len < 8 || len % 8 !== 0 || pos + len > end)
        throw vol.error(structure, pos, "an unused entry of 8-byte units");
      pos += len;
      continue;
    }
    if (pos + 12 > end) throw vol.error(structure, pos, "a whole entry");
    const ino = Number(b.readBigUInt64BE(pos));
    const namelen = b[pos + 8] as number;
    const len = Math.ceil((11 + namelen + (vol.sb.ftype ? 1 : 0)) / 8) * 8;
    if (namelen === 0 || pos + len > end) throw vol.error(structure, pos, "an entry inside the block");
    add(
      vol,
      dir,
      out,
      b.toString("utf8", pos + 9, pos + 9 + namelen),
      { ino, type: ftypeOf(vol, b, pos + 9 + namelen) },
      pos,
    );
    pos += len;
  }
}

/** Every entry of a directory, whatever its form (shortform, block, leaf, node or btree). */
export async function readDirectory(vol: XfsVolume, dir: XfsInode): Promise<Map<string, XfsDirEntry>> {
  const out = new Map<string, XfsDirEntry>();
  if (dir.format === FORMAT.local) {
    parseShortform(vol, dir, out);
    return out;
  }
  const extents = await readExtents(vol, dir);
  const fsbs = 2 ** vol.sb.dirBlockLog;
  const dirBlockBytes = vol.sb.blockSize * fsbs;
  if (dir.size > LEAF_OFFSET || dir.size % dirBlockBytes !== 0)
    throw vol.error(
      `XFS directory ${dir.ino}`,
      dir.offset,
      `a size of whole directory blocks below 32 GiB (got ${dir.size})`,
    );
  // Data blocks are at logical offsets below the size; leaf, node and free blocks above 32 GiB.
  const limit = dir.size / vol.sb.blockSize;
  const starts = new Set<number>();
  for (const e of extents) {
    if (e.fileBlock >= limit) break;
    const last = Math.min(e.fileBlock + e.count, limit);
    for (let d = e.fileBlock - (e.fileBlock % fsbs); d < last; d += fsbs) starts.add(d);
  }
  for (const dblock of starts) {
    const b = await readDirBlock(vol, extents, dblock, fsbs);
    if (b) parseDataBlock(vol, dir, b, dblock, out);
  }
  return out;
}
