import { fstatSync, readSync } from "node:fs";
import type { HostRuns } from "./bytes.js";
import { ImageFormatError } from "./errors.js";
import {
  badUnit,
  GRAIN_MARKER_BYTES,
  grainDataLength,
  inflateUnitInto,
  type UnitPacking,
} from "./packed-unit.js";
import { UnitCache } from "./unit-cache.js";

/**
 * Reads bytes [from, from + target.length) of a file laid out as `runs` (HostExtents.runs: pairs
 * of host offset, or -1 for zeros, or -2 - i for the i-th triple of `packed`, and length) from
 * descriptor `fd` into `target`, synchronously: for a thread that reads many small files and has
 * nothing else to do meanwhile. Packed units are inflated here and kept a while (unitCache).
 */
export function readHostRuns(
  fd: number,
  runs: readonly number[],
  from: number,
  target: Buffer,
  description: string,
  packed?: HostRuns["packed"],
): void {
  let done = 0;
  let fileAt = 0;
  for (let i = 0; i + 1 < runs.length && done < target.length; i += 2) {
    const host = runs[i]!;
    const length = runs[i + 1]!;
    const runEnd = fileAt + length;
    const start = from + done;
    if (start < runEnd) {
      const n = Math.min(runEnd - start, target.length - done);
      if (host === -1) target.fill(0, done, done + n);
      else if (host >= 0) readFully(fd, target, done, n, host + (start - fileAt), description);
      else copyPacked(fd, packed, -2 - host, start - fileAt, target.subarray(done, done + n), description);
      done += n;
    }
    fileAt = runEnd;
  }
  if (done < target.length)
    throw new ImageFormatError(
      description,
      "file runs",
      from + done,
      `${target.length - done} more bytes of runs`,
    );
}

function readFully(
  fd: number,
  target: Buffer,
  at: number,
  length: number,
  position: number,
  description: string,
): void {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, target, at + done, length - done, position + done);
    if (n === 0)
      throw new ImageFormatError(description, "read range", position + done, "more bytes (file shrank)");
    done += n;
  }
}

/**
 * Inflated units a thread keeps: a file's runs often come back to a unit (small files share a
 * grain), and so do the next files'. About 8 MiB, at least 4 units.
 */
const UNIT_CACHE_BYTES = 8 * 1024 * 1024;
let unitCache: UnitCache<string> | undefined;
/** Markers and compressed data are read into this, grown as needed. */
let dataScratch = Buffer.alloc(0);
const fileSizes = new Map<number, { id: number; size: number }>();

/** Bytes [skip, skip + into.length) of packed run `index`'s bytes into `into`. */
function copyPacked(
  fd: number,
  packed: HostRuns["packed"],
  index: number,
  skip: number,
  into: Buffer,
  description: string,
): void {
  const at = packed?.units[index * 3];
  if (!packed || at === undefined)
    throw new ImageFormatError(description, "file runs", -1, `packed unit ${index} in the runs' table`);
  const { packing, units } = packed;
  const within = units[index * 3 + 2]! + skip;
  if (within + into.length > packing.unitSize)
    throw new ImageFormatError(
      description,
      "file runs",
      -1,
      `bytes within one ${packing.unitSize}-byte unit`,
    );
  inflatedUnit(fd, packing, at, units[index * 3 + 1]!).copy(into, 0, within, within + into.length);
}

function inflatedUnit(fd: number, packing: UnitPacking, at: number, length: number): Buffer {
  if (unitCache?.unitSize !== packing.unitSize)
    unitCache = UnitCache.ofBytes(packing.unitSize, UNIT_CACHE_BYTES, 4);
  const key = `${packing.id}:${at}`;
  return unitCache.fill(key, (into) => readPackedUnitInto(fd, packing, at, length, into));
}

/** A packed unit read from `fd` and inflated into `into`, checked as the container's own reader checks it. */
function readPackedUnitInto(
  fd: number,
  packing: UnitPacking,
  at: number,
  length: number,
  into: Buffer,
): void {
  let dataAt = at;
  let dataLength = length;
  // A grain's data is at most its size and 4 KiB (grainDataLength); a cluster's, about its size.
  if (dataScratch.length < packing.unitSize + 8192) dataScratch = Buffer.allocUnsafe(packing.unitSize + 8192);
  if (packing.format === "vmdk-grain") {
    let known = fileSizes.get(fd);
    if (known?.id !== packing.id) {
      known = { id: packing.id, size: fstatSync(fd).size };
      fileSizes.set(fd, known);
    }
    readFully(fd, dataScratch, 0, GRAIN_MARKER_BYTES, at, packing.file);
    dataLength = grainDataLength(packing.file, at, dataScratch, packing.unitSize, known.size);
    dataAt = at + GRAIN_MARKER_BYTES;
  }
  if (dataScratch.length < dataLength) dataScratch = Buffer.allocUnsafe(dataLength);
  const data = dataScratch.subarray(0, dataLength);
  readFully(fd, data, 0, dataLength, dataAt, packing.file);
  if (!inflateUnitInto(data, packing.format, into))
    throw badUnit(packing, at, packing.format === "vmdk-grain" ? "one grain" : "one cluster");
}
