import { blockMapRuns, extentRuns, inodeExtentRuns, type Run } from "./extents.js";
import { EXTENTS_FL, INLINE_DATA_FL, type Inode, inlineDataXattr, maxFileSize } from "./inode.js";
import type { Volume } from "./volume.js";

/** Largest single read from the image while streaming file data. */
const CHUNK = 1024 * 1024;

/** Throws when i_size is larger than the inode's block mapping can address. */
export function checkSize(vol: Volume, inode: Inode): void {
  if (inode.size > maxFileSize(vol, inode))
    throw vol.error(
      `ext inode ${inode.ino}`,
      inode.offset + 0x4,
      `i_size ≤ ${maxFileSize(vol, inode)} (got ${inode.size})`,
    );
}

/** Bytes kept inside the inode (INLINE_DATA_FL): i_block's 60 bytes, then the system.data xattr. */
export function inlineBytes(vol: Volume, inode: Inode): Buffer {
  const extra = inlineDataXattr(inode, vol.sb.inodeSize);
  const all = extra ? Buffer.concat([inode.iBlock, extra]) : inode.iBlock;
  if (inode.size > all.length && inode.type !== "directory")
    throw vol.error(
      `ext inode ${inode.ino} inline data`,
      inode.offset + 0x28,
      `i_size ≤ ${all.length} inline bytes`,
    );
  return all;
}

export function mapRuns(vol: Volume, inode: Inode, fromBlock: number): AsyncGenerator<Run> {
  if (inode.flags & EXTENTS_FL) return extentRuns(vol, inode, fromBlock);
  return blockMapRuns(vol, inode, fromBlock, Math.ceil(inode.size / vol.blockSize));
}

/** mapRuns at once when the inode holds its whole extent tree (most files); else undefined. */
export function mapRunsNow(vol: Volume, inode: Inode, fromBlock: number): Run[] | undefined {
  return inode.flags & EXTENTS_FL ? inodeExtentRuns(vol, inode, fromBlock) : undefined;
}

function* zeros(from: number, to: number): Generator<Buffer> {
  for (let at = from; at < to; at += CHUNK) yield Buffer.alloc(Math.min(CHUNK, to - at));
}

/**
 * The bytes [start, end) of a regular file or symlink, in chunks of at most 1 MiB, reading only
 * what is asked: holes and unwritten extents come out as zeros, past i_size nothing.
 */
export async function* readData(
  vol: Volume,
  inode: Inode,
  start = 0,
  endArg?: number,
): AsyncGenerator<Buffer> {
  checkSize(vol, inode);
  const end = Math.min(endArg ?? inode.size, inode.size);
  if (start >= end) return;
  if (inode.flags & INLINE_DATA_FL) {
    yield Buffer.from(inlineBytes(vol, inode).subarray(start, end));
    return;
  }
  const bs = vol.blockSize;
  let pos = start;
  for await (const run of mapRuns(vol, inode, Math.floor(start / bs))) {
    const runStart = Math.max(run.logical * bs, pos);
    const runEnd = Math.min((run.logical + run.length) * bs, end);
    if (runStart >= end) break;
    if (runEnd <= runStart) continue;
    yield* zeros(pos, runStart);
    if (run.zero) {
      yield* zeros(runStart, runEnd);
    } else {
      for (let at = runStart; at < runEnd; ) {
        const firstBlock = Math.floor(at / bs);
        const lastBlock = Math.min(Math.ceil(runEnd / bs), firstBlock + CHUNK / bs);
        const physical = run.physical + (firstBlock - run.logical);
        const buf = await vol.data(
          physical,
          lastBlock - firstBlock,
          `ext inode ${inode.ino} data`,
          inode.offset,
        );
        const sliceEnd = Math.min(runEnd, lastBlock * bs);
        yield buf.subarray(at - firstBlock * bs, sliceEnd - firstBlock * bs);
        at = sliceEnd;
      }
    }
    pos = runEnd;
  }
  yield* zeros(pos, end);
}

/**
 * The whole of a small file read into `scratch` (a view of it is returned), when its blocks fit;
 * else readAll's fresh buffer. The same bytes as readAll: holes are zeros, nothing past i_size.
 */
export async function readAllInto(vol: Volume, inode: Inode, scratch: Buffer): Promise<Buffer> {
  checkSize(vol, inode);
  const bs = vol.blockSize;
  const end = inode.size;
  if (inode.flags & INLINE_DATA_FL || Math.ceil(end / bs) * bs > scratch.length) return readAll(vol, inode);
  let pos = 0;
  for await (const run of fileRunsNow(vol, inode) ?? fileRuns(vol, inode)) {
    scratch.fill(0, pos, run.start);
    if (run.physical === undefined) scratch.fill(0, run.start, run.end);
    else
      await vol.dataInto(
        run.physical,
        run.blocks,
        scratch.subarray(run.start),
        `ext inode ${inode.ino} data`,
        inode.offset,
      );
    pos = run.end;
  }
  scratch.fill(0, pos, end);
  return scratch.subarray(0, end);
}

/**
 * Where a regular file's bytes lie in the volume: pairs (byte offset, length), holes as -1. Every
 * run is checked as dataInto checks it, so a reader on another thread reads only inside the
 * volume. Undefined for inline data.
 */
export function volumeRuns(vol: Volume, inode: Inode): number[] | undefined | Promise<number[] | undefined> {
  checkSize(vol, inode);
  if (inode.flags & INLINE_DATA_FL) return undefined;
  const runs: number[] = [];
  let pos = 0;
  const add = (run: FileRun): void => {
    if (run.start > pos) runs.push(-1, run.start - pos);
    if (run.physical === undefined) runs.push(-1, run.end - run.start);
    else {
      vol.checkRange(run.physical, run.blocks, `ext inode ${inode.ino} data`, inode.offset);
      runs.push(run.physical * vol.blockSize, run.end - run.start);
    }
    pos = run.end;
  };
  const end = (): number[] => {
    if (inode.size > pos) runs.push(-1, inode.size - pos);
    return runs;
  };
  // At once for most files: the pass maps every file it reads.
  const now = fileRunsNow(vol, inode);
  if (now) {
    for (const run of now) add(run);
    return end();
  }
  return (async () => {
    for await (const run of fileRuns(vol, inode)) add(run);
    return end();
  })();
}

/** Bytes [start, end) of a file at `blocks` blocks from `physical`, or zeros when that is undefined. */
interface FileRun {
  start: number;
  end: number;
  physical?: number;
  blocks: number;
}

/**
 * Clips each run in turn to i_size and to where the runs before it ended (so `start` stays on a
 * block boundary): undefined when nothing of it is left, "end" when it starts past i_size.
 */
function runClipper(size: number, bs: number): (run: Run) => FileRun | undefined | "end" {
  let pos = 0;
  return (run) => {
    const start = Math.max(run.logical * bs, pos);
    const end = Math.min((run.logical + run.length) * bs, size);
    if (start >= size) return "end";
    if (end <= start) return undefined;
    pos = end;
    const first = start / bs;
    const blocks = Math.ceil(end / bs) - first;
    return run.zero
      ? { start, end, blocks }
      : { start, end, physical: run.physical + (first - run.logical), blocks };
  };
}

/** fileRuns at once when the inode holds its whole extent tree; else undefined. */
function fileRunsNow(vol: Volume, inode: Inode): FileRun[] | undefined {
  const runs = mapRunsNow(vol, inode, 0);
  if (!runs) return undefined;
  const clip = runClipper(inode.size, vol.blockSize);
  const out: FileRun[] = [];
  for (const run of runs) {
    const clipped = clip(run);
    if (clipped === "end") break;
    if (clipped) out.push(clipped);
  }
  return out;
}

/**
 * A file's runs from its start, each clipped to i_size and to what the runs before it covered
 * (so `start` stays on a block boundary): bytes [start, end) at `blocks` blocks from `physical`,
 * or zeros (unwritten) when `physical` is undefined. The gaps between runs are holes.
 */
async function* fileRuns(vol: Volume, inode: Inode): AsyncGenerator<FileRun> {
  const clip = runClipper(inode.size, vol.blockSize);
  for await (const run of mapRuns(vol, inode, 0)) {
    const clipped = clip(run);
    if (clipped === "end") break;
    if (clipped) yield clipped;
  }
}

/** The whole of a small file or directory (callers bound the size first). */
export async function readAll(vol: Volume, inode: Inode): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of readData(vol, inode)) parts.push(part);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** A symlink's target: in i_block when it has no data block ("fast"), inline, or in its block. */
export async function readSymlink(vol: Volume, inode: Inode): Promise<Buffer> {
  if (inode.size > vol.blockSize || inode.size === 0)
    throw vol.error(
      `ext inode ${inode.ino} symlink`,
      inode.offset + 0x4,
      `a target of 1 to ${vol.blockSize} bytes`,
    );
  const xattrBlocks = inode.fileAcl ? vol.blockSize / 512 : 0;
  const fast = !(inode.flags & INLINE_DATA_FL) && inode.blocks512 - xattrBlocks === 0 && inode.size < 60;
  if (fast) return Buffer.from(inode.iBlock.subarray(0, inode.size));
  return readAll(vol, inode);
}
