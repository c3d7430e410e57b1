import { FORMAT, type XfsInode } from "./inode.js";
import type { XfsVolume } from "./volume.js";

/** One mapping of file blocks [fileBlock, fileBlock+count) to filesystem block startBlock. */
export interface Extent {
  fileBlock: number;
  startBlock: number;
  count: number;
  /** Preallocated but never written: reads as zeros. */
  unwritten: boolean;
}

/** More extents than this in one file is treated as damage (bounds memory: ~50 bytes each). */
export const MAX_EXTENTS = 1 << 20;
/** XFS_BM_MAXLEVELS is 9 for any geometry (xfs_bmap_btree.c); deeper means damage. */
const MAX_BTREE_LEVELS = 9;
const BMAP_MAGIC = 0x424d4150; // "BMAP" (v4 long-format btree block)
const BMA3_MAGIC = 0x424d4133; // "BMA3" (v5, with CRC header)

/**
 * Unpacks a 128-bit extent record (xfs_bmbt_rec): bit 127 unwritten, bits 73..126 file offset,
 * 21..72 start block, 0..20 block count; read as four big-endian 32-bit words.
 */
function unpack(b: Buffer, at: number): Extent {
  const w0 = b.readUInt32BE(at);
  const w1 = b.readUInt32BE(at + 4);
  const w2 = b.readUInt32BE(at + 8);
  const w3 = b.readUInt32BE(at + 12);
  return {
    unwritten: w0 >>> 31 === 1,
    fileBlock: (w0 & 0x7fffffff) * 2 ** 23 + (w1 >>> 9),
    startBlock: (w1 & 0x1ff) * 2 ** 43 + w2 * 2 ** 11 + (w3 >>> 21),
    count: w3 & 0x1fffff,
  };
}

/** Checks order, overlap and placement of one record against the previous one. */
function accept(vol: XfsVolume, inode: XfsInode, list: Extent[], e: Extent, structure: string): void {
  const prev = list[list.length - 1];
  if (e.count === 0 || (prev && e.fileBlock < prev.fileBlock + prev.count))
    throw vol.error(structure, inode.offset, "extents with a length, sorted by file offset, not overlapping");
  vol.fsbToByte(e.startBlock, e.count, structure);
  if (list.length >= Math.min(MAX_EXTENTS, Math.max(inode.nextents, 1)))
    throw vol.error(structure, inode.offset, `at most ${inode.nextents} extents (di_nextents)`);
  list.push(e);
}

/** The data fork's extents, from the inode (extents format) or its block-map btree. */
export async function readExtents(vol: XfsVolume, inode: XfsInode): Promise<Extent[]> {
  const structure = `XFS inode ${inode.ino} data fork`;
  const fork = inode.dataFork;
  const out: Extent[] = [];
  if (inode.nextents > MAX_EXTENTS || inode.nextents > vol.sb.dataBlocks)
    throw vol.error(structure, inode.offset, `a plausible extent count (got ${inode.nextents})`);
  if (inode.format === FORMAT.extents) {
    if (inode.nextents * 16 > fork.length)
      throw vol.error(structure, inode.offset, `${inode.nextents} extents to fit in the inode's fork`);
    for (let i = 0; i < inode.nextents; i++) accept(vol, inode, out, unpack(fork, i * 16), structure);
    return out;
  }
  if (inode.format !== FORMAT.btree)
    throw vol.error(structure, inode.offset, `extents or btree format (got ${inode.format})`);
  // Root (xfs_bmdr_block) in the inode: level, numrecs, then keys and pointers sized for the fork.
  const level = fork.readUInt16BE(0);
  const numrecs = fork.readUInt16BE(2);
  const rootMax = Math.floor((fork.length - 4) / 16);
  if (level < 1 || level > MAX_BTREE_LEVELS || numrecs < 1 || numrecs > rootMax)
    throw vol.error(
      structure,
      inode.offset,
      `a btree root of level 1..${MAX_BTREE_LEVELS} with 1..${rootMax} records`,
    );
  const seen = new Set<number>();
  const children: number[] = [];
  for (let i = 0; i < numrecs; i++) children.push(Number(fork.readBigUInt64BE(4 + rootMax * 8 + i * 8)));
  for (const child of children) await walkBlock(vol, inode, child, level - 1, seen, out);
  if (out.length !== inode.nextents)
    throw vol.error(structure, inode.offset, `${inode.nextents} extents in the btree (found ${out.length})`);
  return out;
}

async function walkBlock(
  vol: XfsVolume,
  inode: XfsInode,
  fsb: number,
  level: number,
  seen: Set<number>,
  out: Extent[],
): Promise<void> {
  const structure = `XFS inode ${inode.ino} block-map btree block ${fsb}`;
  if (seen.has(fsb)) throw vol.error(structure, -1, "each btree block once (the btree loops)");
  seen.add(fsb);
  if (seen.size > vol.sb.dataBlocks) throw vol.error(structure, -1, "a btree no larger than the filesystem");
  const b = await vol.readBlocks(fsb, 1, structure);
  const at = vol.fsbToByte(fsb, 1, structure);
  const v5 = vol.sb.version === 5;
  const magic = b.readUInt32BE(0);
  if (magic !== (v5 ? BMA3_MAGIC : BMAP_MAGIC))
    throw vol.error(structure, at, v5 ? 'magic "BMA3"' : 'magic "BMAP"');
  const header = v5 ? 72 : 24;
  if (v5 && Number(b.readBigUInt64BE(56)) !== inode.ino)
    throw vol.error(structure, at + 56, `owner inode ${inode.ino}`);
  const blockLevel = b.readUInt16BE(4);
  const numrecs = b.readUInt16BE(6);
  if (blockLevel !== level) throw vol.error(structure, at + 4, `level ${level} (got ${blockLevel})`);
  if (level === 0) {
    if (numrecs > (b.length - header) / 16)
      throw vol.error(structure, at + 6, "records that fit in the block");
    for (let i = 0; i < numrecs; i++) accept(vol, inode, out, unpack(b, header + i * 16), structure);
    return;
  }
  const maxrecs = Math.floor((b.length - header) / 16);
  if (numrecs < 1 || numrecs > maxrecs) throw vol.error(structure, at + 6, `1..${maxrecs} child pointers`);
  for (let i = 0; i < numrecs; i++) {
    const child = Number(b.readBigUInt64BE(header + maxrecs * 8 + i * 8));
    await walkBlock(vol, inode, child, level - 1, seen, out);
  }
}

/** Index of the extent containing file block `block`, or -1 (a hole). `list` is sorted. */
export function findExtent(list: Extent[], block: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = list[mid] as Extent;
    if (block < e.fileBlock) hi = mid - 1;
    else if (block >= e.fileBlock + e.count) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** Index of the first extent starting after file block `block`, or list.length. */
export function nextExtentAfter(list: Extent[], block: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as Extent).fileBlock > block) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
