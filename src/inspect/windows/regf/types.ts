/** Registry value types (winnt.h numbering). */
export const REG = {
  NONE: 0,
  SZ: 1,
  EXPAND_SZ: 2,
  BINARY: 3,
  DWORD: 4,
  DWORD_BIG_ENDIAN: 5,
  LINK: 6,
  MULTI_SZ: 7,
  RESOURCE_LIST: 8,
  FULL_RESOURCE_DESCRIPTOR: 9,
  RESOURCE_REQUIREMENTS_LIST: 10,
  QWORD: 11,
} as const;

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(REG).map(([k, v]) => [v, `REG_${k}`]),
);

/** "REG_SZ", or "0x…" for types outside the table (SAM stores RIDs as value types). */
export function typeName(type: number): string {
  return NAMES[type] ?? `0x${type.toString(16)}`;
}

export type DecodedValue = string | string[] | number | bigint | Buffer;

/** UTF-16LE up to the first NUL (odd trailing byte dropped). */
export function utf16z(data: Buffer): string {
  const s = data.subarray(0, data.length & ~1).toString("utf16le");
  const nul = s.indexOf("\0");
  return nul >= 0 ? s.slice(0, nul) : s;
}

/**
 * Data decoded by type: strings for SZ/EXPAND_SZ/LINK, string[] for MULTI_SZ, number for DWORD
 * (either byte order), bigint for QWORD; everything else (and short data) stays bytes.
 */
export function decodeValue(type: number, data: Buffer): DecodedValue {
  switch (type) {
    case REG.SZ:
    case REG.EXPAND_SZ:
      return utf16z(data);
    case REG.LINK:
      return data.subarray(0, data.length & ~1).toString("utf16le");
    case REG.MULTI_SZ: {
      const s = data.subarray(0, data.length & ~1).toString("utf16le");
      const parts = s.split("\0");
      while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
      return parts;
    }
    case REG.DWORD:
      return data.length >= 4 ? data.readUInt32LE(0) : data;
    case REG.DWORD_BIG_ENDIAN:
      return data.length >= 4 ? data.readUInt32BE(0) : data;
    case REG.QWORD:
      return data.length >= 8 ? data.readBigUInt64LE(0) : data;
    default:
      return data;
  }
}
