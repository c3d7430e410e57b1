import { ImageFormatError } from "../../../io/errors.js";
import type { HiveBins } from "./bins.js";

/** Offset field value meaning "no cell". */
export const NO_CELL = 0xffffffff;

const KEY_COMP_NAME = 0x0020;
const VALUE_COMP_NAME = 0x0001;

/** A key node ("nk"); offsets are in the format description's nk table. */
export interface KeyNode {
  offset: number;
  flags: number;
  lastWritten: bigint;
  parentOffset: number;
  subkeyCount: number;
  subkeyListOffset: number;
  valueCount: number;
  valueListOffset: number;
  securityOffset: number;
  classOffset: number;
  classLength: number;
  name: string;
}

/** A value key ("vk"). */
export interface ValueKey {
  offset: number;
  /** "" is the key's default value. */
  name: string;
  type: number;
  /** Data size without the inline flag. */
  dataSize: number;
  /** Data lives in the offset field itself (≤ 4 bytes). */
  inline: boolean;
  dataOffset: number;
}

function signature(cell: Buffer, want: string, bins: HiveBins, offset: number, structure: string): void {
  if (cell.length < 2 || cell.toString("latin1", 0, 2) !== want) {
    throw new ImageFormatError(bins.file, structure, bins.absolute(offset), `signature "${want}"`);
  }
}

/**
 * A record cell with a fixed part of `fixed` bytes followed by its name: checks the signature,
 * the fixed size and that the name (length at `nameLengthAt`) lies within the cell. The name is
 * Latin-1 when `compressed`, else UTF-16LE.
 */
function namedCell(
  bins: HiveBins,
  offset: number,
  sig: string,
  structure: string,
  fixed: number,
  nameLengthAt: number,
): { cell: Buffer; rawName: Buffer } {
  const cell = bins.cell(offset, structure);
  signature(cell, sig, bins, offset, structure);
  if (cell.length < fixed)
    throw new ImageFormatError(bins.file, structure, bins.absolute(offset), `${fixed} bytes`);
  const nameLength = cell.readUInt16LE(nameLengthAt);
  if (fixed + nameLength > cell.length) {
    throw new ImageFormatError(
      bins.file,
      structure,
      bins.absolute(offset),
      `a name of ${nameLength} bytes within the cell`,
    );
  }
  return { cell, rawName: cell.subarray(fixed, fixed + nameLength) };
}

const nameOf = (raw: Buffer, compressed: boolean) => raw.toString(compressed ? "latin1" : "utf16le");

export function readKeyNode(bins: HiveBins, offset: number): KeyNode {
  const { cell, rawName } = namedCell(bins, offset, "nk", "regf key node (nk)", 76, 72);
  const flags = cell.readUInt16LE(2);
  return {
    offset,
    flags,
    lastWritten: cell.readBigUInt64LE(4),
    parentOffset: cell.readUInt32LE(16),
    subkeyCount: cell.readUInt32LE(20),
    subkeyListOffset: cell.readUInt32LE(28),
    valueCount: cell.readUInt32LE(36),
    valueListOffset: cell.readUInt32LE(40),
    securityOffset: cell.readUInt32LE(44),
    classOffset: cell.readUInt32LE(48),
    classLength: cell.readUInt16LE(74),
    name: nameOf(rawName, (flags & KEY_COMP_NAME) !== 0),
  };
}

export function readValueKey(bins: HiveBins, offset: number): ValueKey {
  const { cell, rawName } = namedCell(bins, offset, "vk", "regf value key (vk)", 20, 2);
  const rawSize = cell.readUInt32LE(4);
  return {
    offset,
    name: nameOf(rawName, (cell.readUInt16LE(16) & VALUE_COMP_NAME) !== 0),
    type: cell.readUInt32LE(12),
    dataSize: rawSize & 0x7fffffff,
    inline: (rawSize & 0x80000000) !== 0,
    dataOffset: cell.readUInt32LE(8),
  };
}

/** Largest data a single cell holds in hives 1.4+; bigger data is split by a "db" record. */
export const BIG_DATA_SEGMENT = 16344;

/** The raw bytes of a value: inline, one data cell, or "db" segments. Bounded by the hive. */
export function readValueData(bins: HiveBins, vk: ValueKey, minorVersion: number): Buffer {
  if (vk.inline) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(vk.dataOffset);
    return b.subarray(0, Math.min(4, vk.dataSize));
  }
  if (vk.dataSize === 0) return Buffer.alloc(0);
  const structure = "regf value data";
  if (vk.dataSize > bins.size) {
    throw new ImageFormatError(
      bins.file,
      structure,
      bins.absolute(vk.offset),
      `a data size within the hive (got ${vk.dataSize})`,
    );
  }
  const cell = bins.cell(vk.dataOffset, structure);
  if (
    vk.dataSize > BIG_DATA_SEGMENT &&
    minorVersion >= 4 &&
    cell.length >= 8 &&
    cell.toString("latin1", 0, 2) === "db"
  ) {
    const count = cell.readUInt16LE(2);
    const list = bins.cell(cell.readUInt32LE(4), "regf big data segment list");
    if (count * 4 > list.length) {
      throw new ImageFormatError(
        bins.file,
        "regf big data segment list",
        bins.absolute(vk.dataOffset),
        `${count} segment offsets within the cell`,
      );
    }
    const parts: Buffer[] = [];
    let remaining = vk.dataSize;
    for (let i = 0; i < count && remaining > 0; i++) {
      const seg = bins.cell(list.readUInt32LE(i * 4), "regf big data segment");
      const take = Math.min(remaining, BIG_DATA_SEGMENT, seg.length);
      parts.push(seg.subarray(0, take));
      remaining -= take;
    }
    if (remaining > 0) {
      throw new ImageFormatError(
        bins.file,
        "regf big data",
        bins.absolute(vk.dataOffset),
        `${vk.dataSize} bytes in ${count} segments`,
      );
    }
    return Buffer.concat(parts);
  }
  if (vk.dataSize > cell.length) {
    throw new ImageFormatError(
      bins.file,
      structure,
      bins.absolute(vk.dataOffset),
      `${vk.dataSize} bytes within the data cell (has ${cell.length})`,
    );
  }
  return cell.subarray(0, vk.dataSize);
}

/** Value offsets of a key: a cell of `count` dwords. */
export function readValueList(bins: HiveBins, nk: KeyNode): number[] {
  if (nk.valueCount === 0 || nk.valueListOffset === NO_CELL) return [];
  const cell = bins.cell(nk.valueListOffset, "regf value list");
  if (nk.valueCount * 4 > cell.length) {
    throw new ImageFormatError(
      bins.file,
      "regf value list",
      bins.absolute(nk.valueListOffset),
      `${nk.valueCount} value offsets within the cell`,
    );
  }
  const out: number[] = [];
  for (let i = 0; i < nk.valueCount; i++) out.push(cell.readUInt32LE(i * 4));
  return out;
}

/** Class name of a key (UTF-16LE), if it has one. */
export function readClassName(bins: HiveBins, nk: KeyNode): string | undefined {
  if (nk.classOffset === NO_CELL || nk.classLength === 0) return undefined;
  const cell = bins.cell(nk.classOffset, "regf class name");
  return cell.subarray(0, Math.min(nk.classLength, cell.length)).toString("utf16le");
}
