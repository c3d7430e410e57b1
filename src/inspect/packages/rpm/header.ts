import { ImageFormatError } from "../../../io/errors.js";

/**
 * rpm header blob as stored in every rpmdb backend (rpm lib/header.c, "header blob" layout):
 * be32 il (index entries), be32 dl (data bytes), il × 16-byte entries {tag, type, offset, count},
 * then dl bytes of data. Only the tags the inventory needs are decoded.
 */
export interface RpmHeader {
  name: string;
  epoch?: number;
  version: string;
  release: string;
  arch?: string;
  sourceRpm?: string;
}

const TAG_NAME = 1000;
const TAG_VERSION = 1001;
const TAG_RELEASE = 1002;
const TAG_EPOCH = 1003;
const TAG_ARCH = 1022;
const TAG_SOURCERPM = 1044;

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_I18NSTRING = 9;

/** rpm's own limits (lib/header_internal.h): at most 0xffff entries and 256 MiB of data. */
const MAX_ENTRIES = 0xffff;
const MAX_DATA = 256 * 1024 * 1024;

export function parseRpmHeader(blob: Buffer, file: string, at = 0): RpmHeader {
  if (blob.length < 8) throw new ImageFormatError(file, "rpm header blob", at, "at least 8 bytes");
  const il = blob.readUInt32BE(0);
  const dl = blob.readUInt32BE(4);
  if (il < 1 || il > MAX_ENTRIES || dl > MAX_DATA || 8 + il * 16 + dl > blob.length) {
    throw new ImageFormatError(
      file,
      "rpm header blob",
      at,
      `index count and data length within ${blob.length} bytes (il=${il}, dl=${dl})`,
    );
  }
  const dataStart = 8 + il * 16;
  const strings = new Map<number, string>();
  let epoch: number | undefined;
  for (let i = 0; i < il; i++) {
    const e = 8 + i * 16;
    const tag = blob.readUInt32BE(e);
    const type = blob.readUInt32BE(e + 4);
    const offset = blob.readInt32BE(e + 8);
    if (
      tag !== TAG_NAME &&
      tag !== TAG_VERSION &&
      tag !== TAG_RELEASE &&
      tag !== TAG_EPOCH &&
      tag !== TAG_ARCH &&
      tag !== TAG_SOURCERPM
    )
      continue;
    if (offset < 0 || offset >= dl)
      throw new ImageFormatError(file, `rpm header tag ${tag}`, at + e, `data offset below ${dl}`);
    const p = dataStart + offset;
    if (tag === TAG_EPOCH) {
      if (type !== TYPE_INT32 || offset + 4 > dl)
        throw new ImageFormatError(file, "rpm header EPOCH", at + e, "an int32");
      epoch = blob.readUInt32BE(p);
      continue;
    }
    if (type !== TYPE_STRING && type !== TYPE_I18NSTRING) continue;
    const end = blob.indexOf(0, p);
    if (end < 0 || end > dataStart + dl)
      throw new ImageFormatError(
        file,
        `rpm header tag ${tag}`,
        at + p,
        "a NUL-terminated string inside the data",
      );
    strings.set(tag, blob.toString("utf8", p, end));
  }
  const name = strings.get(TAG_NAME);
  const version = strings.get(TAG_VERSION);
  const release = strings.get(TAG_RELEASE);
  if (name === undefined || version === undefined || release === undefined) {
    throw new ImageFormatError(file, "rpm header", at, "NAME, VERSION and RELEASE tags");
  }
  return {
    name,
    version,
    release,
    ...(epoch !== undefined ? { epoch } : {}),
    ...(strings.has(TAG_ARCH) ? { arch: strings.get(TAG_ARCH)! } : {}),
    ...(strings.has(TAG_SOURCERPM) ? { sourceRpm: strings.get(TAG_SOURCERPM)! } : {}),
  };
}

/** "util-linux-2.32.1-42.el8_8.src.rpm" → name "util-linux", version "2.32.1-42.el8_8". */
export function splitSourceRpm(sourceRpm: string): { name: string; version: string } | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.(?:src|nosrc)\.rpm$/.exec(sourceRpm);
  return m ? { name: m[1]!, version: `${m[2]}-${m[3]}` } : undefined;
}
