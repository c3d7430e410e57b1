import { ImageFormatError } from "./errors.js";
import type { UnitPacking } from "./packed-unit.js";

/**
 * Random access to the bytes of an image or a part of one (a partition, a logical volume, the
 * virtual disk inside a VMDK/VHD/qcow2). Filesystem readers read through this and nothing else.
 */
export interface ByteSource {
  /** What this is, for error messages: "disk.vmdk", "disk.vmdk partition 2", "LV vg0/root". */
  readonly description: string;
  /** Length in bytes. */
  readonly size: number;
  /**
   * Reads exactly `length` bytes at `offset` (zero-filled where the source is sparse). Throws
   * ImageFormatError when the range lies past the end.
   */
  read(offset: number, length: number): Promise<Buffer>;
  /**
   * Optional: reads `target.length` bytes at `offset` into `target`, as read() would. For callers
   * that reuse one buffer for many short-lived reads: every read()'s buffer lives until a garbage
   * collection, and a scan reading gigabytes through fresh buffers held tens of MB of them.
   */
  readInto?(offset: number, target: Buffer): Promise<void>;
  /**
   * Set when this source's bytes lie as they are in a host file the process has open (a raw disk,
   * a partition of one, a one-segment linear volume): byte `i` of the source is byte `offset + i`
   * of descriptor `fd`. Another thread of the process may then read them itself.
   */
  readonly hostFile?: HostFile;
  /**
   * Optional, for a source whose bytes lie in a host file block by block (the clusters of a qcow2):
   * where a range of them lies. Not set together with hostFile.
   */
  readonly hostMap?: HostMap;
  close(): Promise<void>;
}

/** Where a source's bytes lie in an open host file (ByteSource.hostFile). */
export interface HostFile {
  fd: number;
  offset: number;
}

/** Where a block-mapped source's bytes lie in an open host file (ByteSource.hostMap). */
export interface HostMap {
  fd: number;
  /** Set when some units are compressed: a thread may inflate them itself (packed runs). */
  packing?: UnitPacking;
  /**
   * Bytes [offset, offset + length) of the source as pairs (host offset, length) in order, a host
   * offset of -1 for zeros (an unallocated cluster) and -2 - i for bytes of a compressed unit,
   * whose (host offset, data length, offset within the unit inflated) this appends to `packed` as
   * its i-th triple (pushPackedRun); undefined when some of them cannot be read from the host file
   * by another thread. Checked as read() checks them.
   */
  runs(offset: number, length: number, packed: number[]): Promise<number[] | undefined>;
}

/** A range's bytes as runs of a host file (hostRunsOf, HostExtents). */
export interface HostRuns {
  fd: number;
  /** Pairs (host offset, or -1 for zeros, or -2 - i for packed triple i; length). */
  runs: number[];
  /** Set when some runs are bytes of compressed units: triples (unit at, data length, within). */
  packed?: { packing: UnitPacking; units: number[] };
}

/** `target.length` bytes of `source` at `offset` into `target`: readInto where it has it, else read and copy. */
export async function readSourceInto(source: ByteSource, offset: number, target: Buffer): Promise<void> {
  if (source.readInto) await source.readInto(offset, target);
  else (await source.read(offset, target.length)).copy(target);
}

/** Appends the run (offset or -1, length) to `runs`, joining it to the last where they are contiguous. */
export function pushRun(runs: number[], offset: number, length: number): void {
  if (length <= 0) return;
  const n = runs.length;
  const last = n ? runs[n - 2]! : undefined;
  const joins =
    last !== undefined &&
    (offset === -1 ? last === -1 : offset >= 0 && last >= 0 && last + runs[n - 1]! === offset);
  if (joins) runs[n - 1]! += length;
  else runs.push(offset, length);
}

/**
 * Appends a run of `length` bytes of a compressed unit (data at `at`, `dataLength` bytes long),
 * from `within` bytes into it inflated: a run of its own, never joined, naming its triple in `packed`.
 */
export function pushPackedRun(
  runs: number[],
  packed: number[],
  at: number,
  dataLength: number,
  within: number,
  length: number,
): void {
  if (length <= 0) return;
  runs.push(-2 - packed.length / 3, length);
  packed.push(at, dataLength, within);
}

/**
 * A file's runs in `source` (pairs: source offset or -1 for zeros, length) as runs of the host
 * file under it, for a thread that reads them itself; undefined when the source has no host file
 * or some bytes cannot be read there by another thread. `runs` may be changed and returned.
 */
export function hostRunsOf(
  source: ByteSource,
  runs: number[],
): HostRuns | undefined | Promise<HostRuns | undefined> {
  const linear = source.hostFile;
  if (linear) {
    // At once: one offset added per run (a raw disk, a partition of one).
    for (let i = 0; i < runs.length; i += 2) if (runs[i] !== -1) runs[i]! += linear.offset;
    return { fd: linear.fd, runs };
  }
  return mappedRunsOf(source, runs);
}

async function mappedRunsOf(source: ByteSource, runs: number[]): Promise<HostRuns | undefined> {
  const map = source.hostMap;
  if (!map) return undefined;
  const out: number[] = [];
  const packed: number[] = [];
  for (let i = 0; i < runs.length; i += 2) {
    if (runs[i] === -1) {
      pushRun(out, -1, runs[i + 1]!);
      continue;
    }
    const mapped = await map.runs(runs[i]!, runs[i + 1]!, packed);
    if (!mapped) return undefined;
    for (let j = 0; j < mapped.length; j += 2) {
      const at = mapped[j]!;
      if (at <= -2) out.push(at, mapped[j + 1]!);
      else pushRun(out, at, mapped[j + 1]!);
    }
  }
  if (packed.length === 0) return { fd: map.fd, runs: out };
  if (!map.packing) return undefined;
  return { fd: map.fd, runs: out, packed: { packing: map.packing, units: packed } };
}

/**
 * Throws ImageFormatError (structure "read range", at `offset`) unless [offset, offset + length)
 * lies within `size` bytes. `whose` names the whole in the message: "the file's", "the blob's".
 */
export function checkReadRange(
  description: string,
  size: number,
  offset: number,
  length: number,
  whose = "",
): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  )
    throw new ImageFormatError(
      description,
      "read range",
      offset,
      `${length} bytes within ${whose ? `${whose} ` : ""}${size} bytes`,
    );
}
