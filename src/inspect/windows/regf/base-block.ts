import { ImageFormatError } from "../../../io/errors.js";

/** The regf base block is the first 4096 bytes; hive bins start right after it. */
export const BASE_BLOCK_SIZE = 4096;

export interface BaseBlock {
  primarySequence: number;
  secondarySequence: number;
  /** FILETIME (100 ns since 1601-01-01) of the last write. */
  lastWritten: bigint;
  majorVersion: number;
  minorVersion: number;
  /** 0 = primary file; other values are transaction logs. */
  fileType: number;
  /** Root key cell, relative to the first hive bin. */
  rootCellOffset: number;
  /** Bytes of hive bins data as the header claims. */
  hiveBinsDataSize: number;
  /** Embedded file name (last 64 bytes of the path, UTF-16LE). */
  fileName: string;
  checksum: number;
  /** XOR of the first 127 dwords, with the 0/-1 substitutions the format prescribes. */
  computedChecksum: number;
  /** Primary and secondary sequence numbers differ: the hive was not cleanly written back. */
  dirty: boolean;
}

/** XOR-32 of bytes 0..507; a result of 0xFFFFFFFF is stored as 0xFFFFFFFE and 0 as 1. */
export function baseBlockChecksum(buf: Buffer): number {
  let sum = 0;
  for (let i = 0; i < 508; i += 4) sum = (sum ^ buf.readUInt32LE(i)) >>> 0;
  if (sum === 0xffffffff) return 0xfffffffe;
  if (sum === 0) return 1;
  return sum;
}

/** Parses the base block (offset table from the public regf format description). */
export function parseBaseBlock(buf: Buffer, file: string): BaseBlock {
  if (buf.length < BASE_BLOCK_SIZE) {
    throw new ImageFormatError(
      file,
      "regf base block",
      0,
      `${BASE_BLOCK_SIZE} bytes, file has ${buf.length}`,
    );
  }
  if (buf.toString("latin1", 0, 4) !== "regf") {
    throw new ImageFormatError(file, "regf base block", 0, 'signature "regf"');
  }
  const primarySequence = buf.readUInt32LE(4);
  const secondarySequence = buf.readUInt32LE(8);
  const rawName = buf.subarray(48, 48 + 64).toString("utf16le");
  const nul = rawName.indexOf("\0");
  return {
    primarySequence,
    secondarySequence,
    lastWritten: buf.readBigUInt64LE(12),
    majorVersion: buf.readUInt32LE(20),
    minorVersion: buf.readUInt32LE(24),
    fileType: buf.readUInt32LE(28),
    rootCellOffset: buf.readUInt32LE(36),
    hiveBinsDataSize: buf.readUInt32LE(40),
    fileName: nul >= 0 ? rawName.slice(0, nul) : rawName,
    checksum: buf.readUInt32LE(508),
    computedChecksum: baseBlockChecksum(buf),
    dirty: primarySequence !== secondarySequence,
  };
}
