/**
 * Deterministic mutations of a seed file, kept as a piece table over the seed (no copy of a
 * 600 MiB image per input): each mutant is a list of pieces, either a range of the seed or literal
 * bytes. Bit flips, byte sets (0, 0xff, random), truncation and chunk duplication all become edits
 * of that list, and the mutant is read back as a ByteSource or written out as a file.
 */
import { closeSync, promises as fsp, openSync, readSync } from "node:fs";
import type { ByteSource } from "../src/io/bytes.js";
import { ImageFormatError } from "../src/io/errors.js";

/** mulberry32: small, fast, deterministic; good enough to pick offsets and bytes. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** A range [offset, offset + length) of the seed worth aiming at (superblocks, tables, the MFT). */
export interface Region {
  offset: number;
  length: number;
}

/** A range of the seed, literal bytes, or one seed byte with some bits flipped. */
export type Piece = { seed: number; length: number } | { bytes: number[] } | { flip: number; mask: number };

/** A mutant as data: what was done (for the failure report) and the resulting pieces. */
export interface Mutant {
  ops: string[];
  pieces: Piece[];
}

const pieceLength = (p: Piece) => ("bytes" in p ? p.bytes.length : "flip" in p ? 1 : p.length);

export function mutantSize(m: Mutant): number {
  return m.pieces.reduce((n, p) => n + pieceLength(p), 0);
}

/** Splits the piece list so that `offset` starts a piece; returns that piece's index. */
function splitAt(pieces: Piece[], offset: number): number {
  let at = 0;
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    const len = pieceLength(p);
    if (offset === at) return i;
    if (offset < at + len && !("flip" in p)) {
      const cut = offset - at;
      const [a, b]: [Piece, Piece] =
        "bytes" in p
          ? [{ bytes: p.bytes.slice(0, cut) }, { bytes: p.bytes.slice(cut) }]
          : [
              { seed: p.seed, length: cut },
              { seed: p.seed + cut, length: len - cut },
            ];
      pieces.splice(i, 1, a, b);
      return i + 1;
    }
    at += len;
  }
  return pieces.length;
}

/** Replaces [offset, offset + bytes.length) with `bytes` (clipped to the current size). */
function overwrite(pieces: Piece[], offset: number, bytes: number[]): void {
  replace(pieces, offset, bytes.length, [{ bytes }]);
}

/** Replaces [offset, offset + length) with `by` (whose total length is `length`), clipped at the end. */
function replace(pieces: Piece[], offset: number, length: number, by: Piece[]): void {
  const size = pieces.reduce((n, p) => n + pieceLength(p), 0);
  const end = Math.min(size, offset + length);
  if (offset >= end) return;
  const clipped = end - offset < length ? copyRange(by, 0, end - offset) : by;
  const i = splitAt(pieces, offset);
  const j = splitAt(pieces, end);
  pieces.splice(i, j - i, ...clipped);
}

function truncate(pieces: Piece[], size: number): void {
  const i = splitAt(pieces, size);
  pieces.splice(i);
}

function insert(pieces: Piece[], offset: number, inserted: Piece[]): void {
  const i = splitAt(pieces, offset);
  pieces.splice(i, 0, ...inserted);
}

/** Pieces covering [offset, offset + length) of the current mutant (for duplication). */
function copyRange(pieces: Piece[], offset: number, length: number): Piece[] {
  const copy: Piece[] = pieces.map((p) => ("bytes" in p ? { bytes: [...p.bytes] } : { ...p }));
  const i = splitAt(copy, offset);
  const j = splitAt(copy, offset + length);
  return copy.slice(i, j);
}

const FOCUS = 1024 * 1024;

/**
 * Picks an offset: mostly in the first MiB or a declared metadata region, sometimes anywhere. The
 * head of a volume and its tables are where readers decide how much to allocate and where to go.
 */
function pickOffset(rng: Prng, size: number, regions: Region[]): number {
  const r = rng.next();
  if (r < 0.15) return rng.int(Math.min(size, 4096)); // boot sector, superblock, headers
  if (r < 0.45 || regions.length === 0) return rng.int(Math.min(size, FOCUS));
  if (r < 0.9) {
    const region = rng.pick(regions);
    const start = Math.min(region.offset, size - 1);
    return start + rng.int(Math.max(1, Math.min(region.length, size - start)));
  }
  return rng.int(size);
}

/** Values a reader is most likely to mishandle when they land in a length or offset field. */
const INTERESTING = [0, 1, 0x7f, 0x80, 0xff];

/** Integers that sit on a boundary: of the types, and of this seed's size (in bytes and sectors). */
function boundaryValues(size: number): number[] {
  return [
    0,
    1,
    0x7fff,
    0xffff,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    2 ** 53 - 1,
    size - 1,
    size,
    size + 1,
    Math.floor(size / 512) + 1,
    Math.floor(size / 4096) + 1,
  ].filter((v) => v >= 0);
}

/** Makes one mutant of a seed of `size` bytes: 1–8 edits drawn from `rng`. */
export function mutate(rng: Prng, size: number, regions: Region[]): Mutant {
  const pieces: Piece[] = size > 0 ? [{ seed: 0, length: size }] : [];
  const ops: string[] = [];
  const edits = 1 + rng.int(rng.next() < 0.7 ? 3 : 8);
  for (let e = 0; e < edits; e++) {
    const current = pieces.reduce((n, p) => n + pieceLength(p), 0);
    if (current === 0) break;
    const at = pickOffset(rng, current, regions);
    const kind = rng.next();
    if (kind < 0.3) {
      const bit = rng.int(8);
      ops.push(`flip bit ${bit} at ${at}`);
      const [old] = copyRange(pieces, at, 1);
      const flipped: Piece =
        old === undefined
          ? { bytes: [1 << bit] }
          : "bytes" in old
            ? { bytes: [old.bytes[0]! ^ (1 << bit)] }
            : "flip" in old
              ? { flip: old.flip, mask: old.mask ^ (1 << bit) }
              : { flip: old.seed, mask: 1 << bit };
      replace(pieces, at, 1, [flipped]);
    } else if (kind < 0.42) {
      // A length, count or offset field set to a boundary value, little- or big-endian.
      const width = rng.pick([2, 4, 8]);
      const aligned = at - (at % width);
      const value = rng.pick(boundaryValues(size));
      const bytes = Buffer.alloc(8);
      const le = rng.next() < 0.7;
      if (le) bytes.writeBigUInt64LE(BigInt(value));
      else bytes.writeBigUInt64BE(BigInt(value));
      const field = le ? bytes.subarray(0, width) : bytes.subarray(8 - width);
      ops.push(`set u${width * 8}${le ? "le" : "be"} at ${aligned} to ${value}`);
      overwrite(pieces, aligned, [...field]);
    } else if (kind < 0.55) {
      const n = rng.pick([1, 2, 4, 8]);
      const value = rng.pick(INTERESTING);
      ops.push(`set ${n} bytes at ${at} to 0x${value.toString(16)}`);
      overwrite(pieces, at, new Array(n).fill(value));
    } else if (kind < 0.75) {
      const n = 1 + rng.int(rng.next() < 0.8 ? 8 : 512);
      ops.push(`randomise ${n} bytes at ${at}`);
      overwrite(
        pieces,
        at,
        Array.from({ length: n }, () => rng.int(256)),
      );
    } else if (kind < 0.85) {
      const n = 1 + rng.int(rng.next() < 0.8 ? 4096 : 512 * 1024);
      overwrite(pieces, at, new Array(n).fill(0));
      ops.push(`zero ${n} bytes at ${at}`);
    } else if (kind < 0.93) {
      const cut = rng.next() < 0.5 ? pickOffset(rng, current, regions) : rng.int(current);
      ops.push(`truncate to ${cut}`);
      truncate(pieces, cut);
    } else {
      const n = 1 + rng.int(rng.next() < 0.7 ? 512 : 64 * 1024);
      const from = pickOffset(rng, current, regions);
      const chunk = copyRange(pieces, from, Math.min(n, current - from));
      const into = pickOffset(rng, current, regions);
      if (rng.next() < 0.5) {
        ops.push(`duplicate ${n} bytes from ${from} inserted at ${into}`);
        insert(pieces, into, chunk);
      } else {
        ops.push(`duplicate ${n} bytes from ${from} over ${into}`);
        replace(
          pieces,
          into,
          chunk.reduce((k, p) => k + pieceLength(p), 0),
          chunk,
        );
      }
    }
  }
  return { ops, pieces };
}

/** A mutant as a ByteSource over the seed file (read lazily, piece by piece). */
export async function mutantSource(seedPath: string, m: Mutant, description: string): Promise<ByteSource> {
  // Read synchronously: the seed is in the page cache, and the readers issue many small reads (an
  // XFS walk reads each inode alone), which through a FileHandle took 2.3 s a case against 0.3 s.
  const fd = openSync(seedPath, "r");
  const pieces = m.pieces;
  const starts: number[] = [];
  let size = 0;
  for (const p of pieces) {
    starts.push(size);
    size += pieceLength(p);
  }
  return {
    description,
    size,
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > size || !Number.isSafeInteger(offset + length))
        throw new ImageFormatError(description, "read range", offset, `${length} bytes within ${size}`);
      const out = Buffer.alloc(length);
      let lo = 0;
      let hi = pieces.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      let done = 0;
      for (let i = lo; done < length && i < pieces.length; i++) {
        const p = pieces[i]!;
        const within = offset + done - starts[i]!;
        const take = Math.min(pieceLength(p) - within, length - done);
        if (take <= 0) continue;
        if ("bytes" in p) Buffer.from(p.bytes.slice(within, within + take)).copy(out, done);
        else if ("flip" in p) {
          readSync(fd, out, done, 1, p.flip);
          out[done] = out[done]! ^ p.mask;
        } else readSync(fd, out, done, take, p.seed + within);
        done += take;
      }
      return out;
    },
    close: async () => closeSync(fd),
  };
}

/** Writes a mutant out as a file (for readers that take a path: tar, VMDK descriptors). */
export async function writeMutant(seedPath: string, m: Mutant, out: string): Promise<void> {
  const source = await mutantSource(seedPath, m, out);
  const file = await fsp.open(out, "w");
  try {
    const CHUNK = 4 * 1024 * 1024;
    for (let at = 0; at < source.size; at += CHUNK) {
      const n = Math.min(CHUNK, source.size - at);
      await file.write(await source.read(at, n), 0, n, at);
    }
  } finally {
    await file.close();
    await source.close();
  }
}
