import { inflateRawSync, inflateSync } from "node:zlib";
import { ImageFormatError } from "./errors.js";

/**
 * How a container stores compressed units (a streamOptimized VMDK's grains, a qcow2's compressed
 * clusters): what a thread needs to inflate one itself from the image file (HostMap.packing), so
 * that the content threads, not the main thread, inflate the files they scan.
 */
export interface UnitPacking {
  /** Tells the units of one opened image from another's in a thread's cache (packingId()). */
  id: number;
  /** The image file, for errors. */
  file: string;
  /**
   * "vmdk-grain": a 12-byte grain marker (LBA, then the data's length) and zlib data (raw deflate
   * from some writers); "raw-deflate": raw deflate data of a length the container gives (qcow2).
   */
  format: "vmdk-grain" | "raw-deflate";
  /** Bytes of a unit inflated; shorter output is zeros to the end. */
  unitSize: number;
}

let lastId = 0;
/** A process-wide new UnitPacking.id. */
export function packingId(): number {
  return ++lastId;
}

/** Where a packed unit is and how long its data is (0: a VMDK grain's marker says). */
export interface PackedUnit {
  at: number;
  length: number;
}

export const GRAIN_MARKER_BYTES = 12;

/**
 * The length of a VMDK grain's compressed data from its marker at `at`, checked to lie inside the
 * file and to be no longer than a grain could need.
 */
export function grainDataLength(
  file: string,
  at: number,
  marker: Buffer,
  grainSize: number,
  fileSize: number,
): number {
  const length = marker.readUInt32LE(8);
  if (length === 0 || length > grainSize + 4096 || at + GRAIN_MARKER_BYTES + length > fileSize)
    throw new ImageFormatError(file, "VMDK grain marker", at, "compressed grain data inside the file");
  return length;
}

/**
 * zlib's output chunk for inflating one whole unit of `unitSize` bytes in one piece. With zlib's
 * default 16 KiB chunks the pieces were then joined (the Debian disk as compressed qcow2: 1.17 →
 * 1.07 s a scan); a chunk of exactly the unit's size makes node's zlib allocate a second, unused
 * chunk whenever the first fills, which a little room avoids.
 */
export const wholeOutputChunk = (unitSize: number): number => unitSize + 512;

/**
 * One unit's data inflated, zeros to `unitSize`; undefined when it is not deflate data of at most
 * `unitSize` bytes (the bound stops a unit that inflates to more).
 */
export function inflateUnit(
  data: Buffer,
  format: UnitPacking["format"],
  unitSize: number,
): Buffer | undefined {
  const options = { maxOutputLength: unitSize, finishFlush: 2, chunkSize: wholeOutputChunk(unitSize) };
  let out: Buffer;
  try {
    out = format === "raw-deflate" ? inflateRawSync(data, options) : inflateSync(data, options);
  } catch {
    if (format === "raw-deflate") return undefined;
    try {
      out = inflateRawSync(data, options);
    } catch {
      return undefined;
    }
  }
  return out.length === unitSize ? out : Buffer.concat([out, Buffer.alloc(unitSize - out.length)]);
}

/** The structure and expectation an ImageFormatError names when a unit does not inflate. */
export function badUnit(
  packing: Pick<UnitPacking, "file" | "format">,
  at: number,
  unit: string,
): ImageFormatError {
  return packing.format === "vmdk-grain"
    ? new ImageFormatError(packing.file, "VMDK compressed grain", at, `deflate data of ${unit}`)
    : new ImageFormatError(packing.file, "qcow2 compressed cluster", at, `raw deflate data of ${unit}`);
}
