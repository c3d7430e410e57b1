import type { Inode } from "./inode.js";
import type { Volume } from "./volume.js";

/** A run of logical blocks mapped to consecutive physical blocks; `zero` for unwritten extents. */
export interface Run {
  logical: number;
  physical: number;
  length: number;
  zero: boolean;
}

const EXTENT_MAGIC = 0xf30a;
/** The kernel never builds trees deeper than 5 (ext4 on-disk format, "Extent Tree"). */
export const MAX_EXTENT_DEPTH = 5;
/** ee_len above this marks an unwritten (uninitialized) extent of ee_len - 32768 blocks. */
const INIT_MAX_LEN = 32768;

interface Node {
  buf: Buffer;
  /** Image offset of buf[0], for errors. */
  offset: number;
  structure: string;
}

/**
 * Leaf extents of `inode`'s extent tree in logical order, from the one containing `fromBlock` on.
 * Depth is bounded, every child must sit exactly one level below its parent, and logical ranges
 * must strictly increase — so a looping or self-referencing tree fails instead of repeating.
 */
export async function* extentRuns(vol: Volume, inode: Inode, fromBlock: number): AsyncGenerator<Run> {
  const root = rootNode(inode);
  const state = { nextLogical: 0, ino: inode.ino };
  yield* walk(vol, root, rootDepth(vol, root), fromBlock, state);
}

/**
 * extentRuns at once when the whole tree is its root in the inode (up to four extents: most
 * files); undefined when it has nodes to read. A walk maps every file, and the async generators
 * cost more than the mapping.
 */
export function inodeExtentRuns(vol: Volume, inode: Inode, fromBlock: number): Run[] | undefined {
  const root = rootNode(inode);
  if (rootDepth(vol, root) !== 0) return undefined;
  return leafRuns(vol, root, fromBlock, { nextLogical: 0 });
}

function rootNode(inode: Inode): Node {
  return { buf: inode.iBlock, offset: inode.offset + 0x28, structure: `ext inode ${inode.ino} extent root` };
}

function rootDepth(vol: Volume, root: Node): number {
  const depth = header(vol, root, -1).depth;
  if (depth > MAX_EXTENT_DEPTH)
    throw vol.error(
      root.structure,
      root.offset + 6,
      `extent tree depth ≤ ${MAX_EXTENT_DEPTH} (got ${depth})`,
    );
  return depth;
}

function header(vol: Volume, node: Node, expectedDepth: number): { entries: number; depth: number } {
  const { buf } = node;
  if (buf.readUInt16LE(0) !== EXTENT_MAGIC)
    throw vol.error(node.structure, node.offset, "extent header magic 0xF30A");
  const entries = buf.readUInt16LE(2);
  const max = buf.readUInt16LE(4);
  const depth = buf.readUInt16LE(6);
  if (max > (buf.length - 12) / 12 || entries > max)
    throw vol.error(
      node.structure,
      node.offset + 2,
      `eh_entries ≤ eh_max ≤ ${(buf.length - 12) / 12} (got ${entries}/${max})`,
    );
  if (expectedDepth >= 0 && depth !== expectedDepth)
    throw vol.error(
      node.structure,
      node.offset + 6,
      `extent node depth ${expectedDepth} (got ${depth}; a loop?)`,
    );
  return { entries, depth };
}

async function* walk(
  vol: Volume,
  node: Node,
  depth: number,
  fromBlock: number,
  state: { nextLogical: number; ino: number },
): AsyncGenerator<Run> {
  if (depth === 0) {
    yield* leafRuns(vol, node, fromBlock, state);
    return;
  }
  const { entries } = header(vol, node, depth);
  const { buf } = node;
  for (let i = 0; i < entries; i++) {
    const at = 12 + i * 12;
    const logical = buf.readUInt32LE(at);
    const nextStart = i + 1 < entries ? buf.readUInt32LE(at + 12) : Number.POSITIVE_INFINITY;
    if (nextStart <= logical)
      throw vol.error(node.structure, node.offset + at + 12, "index entries in increasing logical order");
    if (nextStart <= fromBlock) continue;
    const child = buf.readUInt32LE(at + 4) + buf.readUInt16LE(at + 8) * 2 ** 32;
    const childBuf = await vol.block(child, node.structure, node.offset + at + 4);
    yield* walk(
      vol,
      { buf: childBuf, offset: child * vol.blockSize, structure: `ext inode ${state.ino} extent node` },
      depth - 1,
      fromBlock,
      state,
    );
  }
}

/** The extents of leaf `node` that end past `fromBlock`, checked. */
function leafRuns(vol: Volume, node: Node, fromBlock: number, state: { nextLogical: number }): Run[] {
  const { entries } = header(vol, node, 0);
  const { buf } = node;
  const runs: Run[] = [];
  for (let i = 0; i < entries; i++) {
    const at = 12 + i * 12;
    const logical = buf.readUInt32LE(at);
    let length = buf.readUInt16LE(at + 4);
    const zero = length > INIT_MAX_LEN;
    if (zero) length -= INIT_MAX_LEN;
    const physical = buf.readUInt16LE(at + 6) * 2 ** 32 + buf.readUInt32LE(at + 8);
    if (logical < state.nextLogical)
      throw vol.error(
        node.structure,
        node.offset + at,
        `extents in increasing logical order (block ${logical} after ${state.nextLogical})`,
      );
    state.nextLogical = logical + length;
    if (length === 0 || logical + length <= fromBlock) continue;
    if (!zero) vol.checkRange(physical, length, node.structure, node.offset + at);
    runs.push({ logical, physical, length, zero });
  }
  return runs;
}

/**
 * Runs of an ext2/ext3 block map: 12 direct pointers, then single, double and triple indirect
 * blocks (i_block[12..14]). Zero pointers are holes; contiguous blocks are merged into one run.
 */
export async function* blockMapRuns(
  vol: Volume,
  inode: Inode,
  fromBlock: number,
  endBlock: number,
): AsyncGenerator<Run> {
  const perBlock = vol.blockSize / 4;
  let pending: Run | undefined;
  const structure = `ext inode ${inode.ino} block map`;
  // Pushes one mapped block; returns a finished run when the new block does not extend the pending one.
  const push = (logical: number, physical: number, where: number): Run | undefined => {
    vol.checkRange(physical, 1, structure, where);
    if (
      pending &&
      pending.logical + pending.length === logical &&
      pending.physical + pending.length === physical
    ) {
      pending.length++;
      return undefined;
    }
    const done = pending;
    pending = { logical, physical, length: 1, zero: false };
    return done;
  };
  for (let i = 0; i < 12 && i < endBlock; i++) {
    const ptr = inode.iBlock.readUInt32LE(i * 4);
    if (ptr === 0 || i < fromBlock) continue;
    const done = push(i, ptr, inode.offset + 0x28 + i * 4);
    if (done) yield done;
  }
  let base = 12;
  let span = perBlock;
  for (let level = 1; level <= 3 && base < endBlock; level++) {
    const ptr = inode.iBlock.readUInt32LE((11 + level) * 4);
    if (ptr !== 0 && base + span > fromBlock) {
      for await (const [logical, physical, where] of indirect(
        vol,
        ptr,
        level,
        base,
        fromBlock,
        endBlock,
        structure,
      )) {
        const done = push(logical, physical, where);
        if (done) yield done;
      }
    }
    base += span;
    span *= perBlock;
  }
  if (pending) yield pending;
}

/** Data block pointers below an indirect block of `level` (1 = single) covering logical `base` on. */
async function* indirect(
  vol: Volume,
  block: number,
  level: number,
  base: number,
  fromBlock: number,
  endBlock: number,
  structure: string,
): AsyncGenerator<[number, number, number]> {
  const buf = await vol.block(block, structure, block * vol.blockSize);
  const perBlock = vol.blockSize / 4;
  const span = perBlock ** (level - 1);
  for (let i = 0; i < perBlock; i++) {
    const start = base + i * span;
    if (start >= endBlock) return;
    if (start + span <= fromBlock) continue;
    const ptr = buf.readUInt32LE(i * 4);
    if (ptr === 0) continue;
    if (level === 1) yield [start, ptr, block * vol.blockSize + i * 4];
    else yield* indirect(vol, ptr, level - 1, start, fromBlock, endBlock, structure);
  }
}
