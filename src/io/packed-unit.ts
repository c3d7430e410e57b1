import { inflateRawSync, inflateSync } from "node:zlib";
import { ImageFormatError } from "./errors.js";
import { type NativeInflate, nativeInflate } from "./native-inflate.js";

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
 * One unit's data inflated into `into` (the unit's size), zeros to its end; false when it is not
 * deflate data of at most that many bytes. With the libdeflate addon straight into `into` (a
 * slot of a unit cache: no buffer per unit). What it refuses (a stream without its end, which
 * zlib's sync flush inflates as far as it goes; a raw deflate grain) and every unit without the
 * addon go through zlib, so both give the same bytes.
 */
export function inflateUnitInto(data: Buffer, format: UnitPacking["format"], into: Buffer): boolean {
  return inflateUnitWith(nativeInflate(), data, format, into);
}

/** inflateUnitInto with the addon given (undefined: zlib only), so that tests compare the two. */
export function inflateUnitWith(
  native: NativeInflate | undefined,
  data: Buffer,
  format: UnitPacking["format"],
  into: Buffer,
): boolean {
  if (native) {
    // A VMDK grain is zlib data; raw deflate from some writers goes through zlib below, which
    // tries it the same way with or without the addon.
    const n = native.inflateInto(data, into, format !== "raw-deflate");
    if (n >= 0) {
      into.fill(0, n);
      return true;
    }
  }
  const out = zlibInflate(data, format, into.length);
  if (!out) return false;
  out.copy(into);
  into.fill(0, out.length);
  return true;
}

function zlibInflate(data: Buffer, format: UnitPacking["format"], unitSize: number): Buffer | undefined {
  const options = { maxOutputLength: unitSize, finishFlush: 2, chunkSize: wholeOutputChunk(unitSize) };
  try {
    return format === "raw-deflate" ? inflateRawSync(data, options) : inflateSync(data, options);
  } catch {
    if (format === "raw-deflate") return undefined;
    try {
      return inflateRawSync(data, options);
    } catch {
      return undefined;
    }
  }
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
