import { ImageFormatError } from "../../io/errors.js";
import { applyFixups } from "./fixup.js";

/** Attribute type codes ($AttrDef of NTFS 3.x). */
export const AttrType = {
  standardInformation: 0x10,
  attributeList: 0x20,
  fileName: 0x30,
  data: 0x80,
  indexRoot: 0x90,
  indexAllocation: 0xa0,
  reparsePoint: 0xc0,
  end: 0xffffffff,
} as const;

/** One attribute header of an MFT record, with its value (resident) or mapping pairs. */
export interface Attribute {
  type: number;
  name: string;
  /** 0x0001 compressed, 0x4000 encrypted, 0x8000 sparse. */
  flags: number;
  /** Record the attribute was read from (base or extension). */
  record: number;
  resident?: Buffer;
  nonResident?: {
    lowestVcn: number;
    highestVcn: number;
    /** log2 of clusters per compression unit (4 for LZNT1), 0 when not compressed. */
    compressionUnit: number;
    allocatedSize: number;
    dataSize: number;
    initializedSize: number;
    mappingPairs: Buffer;
    /** Byte offset of the mapping pairs in the image, for error messages. */
    mappingPairsOffset: number;
  };
}

export interface MftRecord {
  number: number;
  sequence: number;
  inUse: boolean;
  isDirectory: boolean;
  /** Record number of the base record; 0 when this is a base record. */
  baseRecord: number;
  attributes: Attribute[];
}

/** MFT references: low 48 bits = record number, high 16 = sequence number. */
export function mftRecordNumber(ref: bigint): number {
  return Number(ref & 0xffffffffffffn);
}

/**
 * Parses one MFT record (Linux-NTFS "FILE record" header: USA at 0x04, flags at 0x16, first
 * attribute at 0x14, bytes in use at 0x18, base reference at 0x20), applying fix-ups in place.
 */
export function parseMftRecord(buf: Buffer, number: number, file: string, offset: number): MftRecord {
  const bad = (at: number, expected: string) =>
    new ImageFormatError(file, `MFT record ${number}`, offset + at, expected);
  if (buf.toString("latin1", 0, 4) !== "FILE") throw bad(0, 'signature "FILE"');
  applyFixups(buf, file, `MFT record ${number}`, offset);
  const flags = buf.readUInt16LE(0x16);
  const used = buf.readUInt32LE(0x18);
  if (used > buf.length || used < 0x30) throw bad(0x18, `bytes in use within the ${buf.length}-byte record`);
  const attributes: Attribute[] = [];
  let pos = buf.readUInt16LE(0x14);
  // Each attribute is at least 24 bytes, which bounds the loop by the record size.
  while (pos + 4 <= used) {
    const type = buf.readUInt32LE(pos);
    if (type === AttrType.end) break;
    if (pos + 24 > used) throw bad(pos, "an attribute header inside the record");
    const length = buf.readUInt32LE(pos + 4);
    if (length < 24 || length % 8 !== 0 || pos + length > used)
      throw bad(pos + 4, "an attribute length inside the record");
    const a = buf.subarray(pos, pos + length);
    const nameLength = a[9]!;
    const nameOffset = a.readUInt16LE(10);
    if (nameOffset + nameLength * 2 > length) throw bad(pos + 10, "an attribute name inside the attribute");
    const attr: Attribute = {
      type,
      name: a.toString("utf16le", nameOffset, nameOffset + nameLength * 2),
      flags: a.readUInt16LE(12),
      record: number,
    };
    if (a[8] === 0) {
      const valueLength = a.readUInt32LE(16);
      const valueOffset = a.readUInt16LE(20);
      if (valueOffset + valueLength > length) throw bad(pos + 16, "a resident value inside the attribute");
      attr.resident = Buffer.from(a.subarray(valueOffset, valueOffset + valueLength));
    } else {
      if (length < 64) throw bad(pos, "a non-resident attribute header of 64 bytes");
      const mp = a.readUInt16LE(32);
      if (mp < 64 || mp > length) throw bad(pos + 32, "mapping pairs inside the attribute");
      const n = (at: number) => Number(a.readBigUInt64LE(at));
      attr.nonResident = {
        lowestVcn: n(16),
        highestVcn: Number(a.readBigInt64LE(24)),
        compressionUnit: a[34]!,
        allocatedSize: n(40),
        dataSize: n(48),
        initializedSize: n(56),
        mappingPairs: Buffer.from(a.subarray(mp)),
        mappingPairsOffset: offset + pos + mp,
      };
    }
    attributes.push(attr);
    pos += length;
  }
  return {
    number,
    sequence: buf.readUInt16LE(0x10),
    inUse: (flags & 1) !== 0,
    isDirectory: (flags & 2) !== 0,
    baseRecord: mftRecordNumber(buf.readBigUInt64LE(0x20)),
    attributes,
  };
}

/** A $FILE_NAME value (Linux-NTFS "$FILE_NAME": parent at 0x00, flags 0x38, name at 0x42). */
export interface FileName {
  parent: number;
  flags: number;
  /** Reparse tag when flags has FILE_ATTRIBUTE_REPARSE_POINT (0x400). */
  reparseTag: number;
  /** 0 POSIX, 1 Win32, 2 DOS, 3 Win32 & DOS. */
  namespace: number;
  name: string;
}

export function parseFileName(v: Buffer, file: string, offset: number): FileName {
  if (v.length < 0x42 || v.length < 0x42 + v[0x40]! * 2)
    throw new ImageFormatError(file, "NTFS $FILE_NAME", offset, "a name inside the value");
  return {
    parent: mftRecordNumber(v.readBigUInt64LE(0)),
    flags: v.readUInt32LE(0x38),
    reparseTag: v.readUInt32LE(0x3c),
    namespace: v[0x41]!,
    name: v.toString("utf16le", 0x42, 0x42 + v[0x40]! * 2),
  };
}

/** Windows FILETIME (100 ns since 1601-01-01) to Unix milliseconds. */
export function filetimeToMs(ft: bigint): number {
  return Number(ft / 10000n) - 11644473600000;
}
