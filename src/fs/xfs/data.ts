import { readSourceInto } from "../../io/bytes.js";
import { type Extent, findExtent, nextExtentAfter, readExtents } from "./bmap.js";
import { FORMAT, type XfsInode } from "./inode.js";
import type { XfsVolume } from "./volume.js";

/** Largest single read; also the size of a run of zeros yielded for a hole. */
const CHUNK = 1 << 20;
/** XFS_SYMLINK_MAXLEN. */
const SYMLINK_MAXLEN = 1024;
const XSLM_MAGIC = 0x58534c4d; // "XSLM": v5 remote symlink block header (56 bytes)
const XSLM_HEADER = 56;

/**
 * The bytes [start, end) of a regular file: extents are read in chunks of at most 1 MiB, holes and
 * unwritten extents yield zeros, and the last block is cut at the file size.
 */
export async function* readFileRange(
  vol: XfsVolume,
  inode: XfsInode,
  start: number,
  end: number,
): AsyncGenerator<Buffer> {
  const stop = Math.min(end, inode.size);
  if (start >= stop) return;
  checkDataDevice(vol, inode);
  if (inode.format === FORMAT.local) {
    // Not written by Linux for regular files, but well defined: the data fork holds the bytes.
    if (inode.size > inode.dataFork.length)
      throw vol.error(`XFS inode ${inode.ino}`, inode.offset, "local data that fits in the inode");
    yield Buffer.from(inode.dataFork.subarray(start, stop));
    return;
  }
  for (const { length, physical } of segments(vol, inode, await readExtents(vol, inode), start, stop))
    for (let done = 0; done < length; done += CHUNK) {
      const n = Math.min(CHUNK, length - done);
      yield physical === -1 ? Buffer.alloc(n) : await vol.source.read(physical + done, n);
    }
}

/**
 * The whole of a regular file read into `target` (exactly the file's size), as readFileRange reads
 * it: holes and unwritten extents as zeros. Data kept in the inode is copied from it.
 */
export async function readFileInto(vol: XfsVolume, inode: XfsInode, target: Buffer): Promise<void> {
  if (target.length !== inode.size) throw new RangeError("readFileInto: the target is not the file's size");
  if (inode.size === 0) return;
  if (inode.format === FORMAT.local) {
    for await (const chunk of readFileRange(vol, inode, 0, inode.size)) chunk.copy(target);
    return;
  }
  checkDataDevice(vol, inode);
  for (const { at, length, physical } of segments(vol, inode, await readExtents(vol, inode), 0, inode.size)) {
    if (physical === -1) target.fill(0, at, at + length);
    else await readSourceInto(vol.source, physical, target.subarray(at, at + length));
  }
}

/**
 * Where a regular file's bytes lie in the volume: pairs (byte offset, length), holes and unwritten
 * extents as -1, every extent checked as readFileRange checks it. Undefined for data kept in the
 * inode.
 */
export async function volumeRuns(vol: XfsVolume, inode: XfsInode): Promise<number[] | undefined> {
  checkDataDevice(vol, inode);
  if (inode.format === FORMAT.local) return undefined;
  const runs: number[] = [];
  for (const { length, physical } of segments(vol, inode, await readExtents(vol, inode), 0, inode.size))
    runs.push(physical, length);
  return runs;
}

function checkDataDevice(vol: XfsVolume, inode: XfsInode): void {
  if (inode.realtime)
    throw vol.error(
      `XFS inode ${inode.ino}`,
      inode.offset,
      "data on the data device (realtime files are not read)",
    );
}

/** The file's bytes [start, stop) as segments of one extent or one gap each: where they lie, or -1. */
function* segments(
  vol: XfsVolume,
  inode: XfsInode,
  extents: Extent[],
  start: number,
  stop: number,
): Generator<{ at: number; length: number; physical: number }> {
  const bs = vol.sb.blockSize;
  let pos = start;
  while (pos < stop) {
    const block = Math.floor(pos / bs);
    const i = findExtent(extents, block);
    const e: Extent | undefined = extents[i];
    if (!e || e.unwritten) {
      // Zeros up to the next written extent (or the end).
      let next = stop;
      if (!e) {
        const after = extents[nextExtentAfter(extents, block)];
        if (after) next = Math.min(stop, after.fileBlock * bs);
      } else next = Math.min(stop, (e.fileBlock + e.count) * bs);
      yield { at: pos, length: next - pos, physical: -1 };
      pos = next;
      continue;
    }
    const extentEnd = Math.min(stop, (e.fileBlock + e.count) * bs);
    const physical =
      vol.fsbToByte(e.startBlock, e.count, `XFS inode ${inode.ino} extent`) + (pos - e.fileBlock * bs);
    yield { at: pos, length: extentEnd - pos, physical };
    pos = extentEnd;
  }
}

/** A symlink's target: in the inode (local) or in remote blocks, each with an XSLM header on v5. */
export async function readSymlink(vol: XfsVolume, inode: XfsInode): Promise<string> {
  const structure = `XFS symlink ${inode.ino}`;
  if (inode.size < 1 || inode.size > SYMLINK_MAXLEN)
    throw vol.error(structure, inode.offset, `a target of 1..${SYMLINK_MAXLEN} bytes (got ${inode.size})`);
  if (inode.format === FORMAT.local) {
    if (inode.size > inode.dataFork.length)
      throw vol.error(structure, inode.offset, "a target that fits in the inode");
    return inode.dataFork.toString("utf8", 0, inode.size);
  }
  const extents = await readExtents(vol, inode);
  const v5 = vol.sb.version === 5;
  const parts: Buffer[] = [];
  let have = 0;
  for (const e of extents) {
    for (let i = 0; i < e.count && have < inode.size; i++) {
      const b = await vol.readBlocks(e.startBlock + i, 1, structure);
      let data = b;
      // mkfs.xfs -p (xfsprogs 6.1) writes v5 remote symlinks without the header; the kernel reads
      // those as damaged, we read the bytes as they are.
      if (v5 && b.readUInt32BE(0) === XSLM_MAGIC) {
        const bytes = b.readUInt32BE(8);
        if (bytes > b.length - XSLM_HEADER)
          throw vol.error(structure, -1, "a remote block byte count that fits");
        data = b.subarray(XSLM_HEADER, XSLM_HEADER + bytes);
      }
      parts.push(data);
      have += data.length;
    }
  }
  if (have < inode.size)
    throw vol.error(structure, inode.offset, `${inode.size} bytes of target in its blocks`);
  return Buffer.concat(parts).toString("utf8", 0, inode.size);
}
