import {
  type ByteSource,
  checkReadRange,
  type HostFile,
  type HostMap,
  pushPackedRun,
  pushRun,
  readSourceInto,
} from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";
import type { PackedUnit, UnitPacking } from "../../io/packed-unit.js";

/** Throws ImageFormatError unless [offset, offset+length) lies inside `source`. */
export function checkRange(source: ByteSource, offset: number, length: number): void {
  checkReadRange(source.description, source.size, offset, length);
}

/**
 * Where bytes [within, within + length) of one unit lie in the image file: a byte offset there,
 * -1 for zeros (unallocated), the unit's compressed data (a PackedUnit, which the container's
 * `packing` says how to inflate), undefined when another thread cannot read them there. Checked
 * as reading them would check them.
 */
export type LocateUnit = (
  unit: number,
  within: number,
  length: number,
) => Promise<number | PackedUnit | undefined>;

/** read() of a source whose readInto does the work: the range is checked before the buffer is made. */
async function readThroughInto(source: ByteSource, offset: number, length: number): Promise<Buffer> {
  checkRange(source, offset, length);
  const out = Buffer.allocUnsafe(length);
  await readSourceInto(source, offset, out);
  return out;
}

/**
 * A virtual disk made of fixed-size units (clusters, grains, blocks): `readUnitInto` fills a buffer
 * with the bytes of part of one unit; reads that span units are split here, and each unit's bytes
 * land once in the caller's buffer (ByteSource.readInto) or in the one buffer read() returns. With
 * `locate` and the image file's own host file, the disk has a hostMap, so another thread can read
 * its bytes from the file.
 */
export function unitReader(
  description: string,
  size: number,
  unitSize: number,
  readUnitInto: (unit: number, within: number, target: Buffer) => Promise<void>,
  close: () => Promise<void>,
  locate?: { host: HostFile | undefined; unit: LocateUnit; packing?: UnitPacking },
): ByteSource {
  const host = locate?.host;
  const locateUnit = locate?.unit;
  const hostMap: HostMap | undefined = host &&
    locateUnit && {
      fd: host.fd,
      ...(locate.packing ? { packing: locate.packing } : {}),
      async runs(offset: number, length: number, packed: number[]): Promise<number[] | undefined> {
        checkRange(self, offset, length);
        const out: number[] = [];
        for (let pos = offset, end = offset + length; pos < end; ) {
          const unit = Math.floor(pos / unitSize);
          const within = pos - unit * unitSize;
          const n = Math.min(unitSize - within, end - pos);
          const at = await locateUnit(unit, within, n);
          if (at === undefined) return undefined;
          if (typeof at === "number") pushRun(out, at === -1 ? -1 : host.offset + at, n);
          else pushPackedRun(out, packed, host.offset + at.at, at.length, within, n);
          pos += n;
        }
        return out;
      },
    };
  const self: ByteSource = {
    description,
    size,
    ...(hostMap ? { hostMap } : {}),
    read: (offset, length) => readThroughInto(self, offset, length),
    async readInto(offset: number, target: Buffer): Promise<void> {
      checkRange(self, offset, target.length);
      for (let pos = offset, end = offset + target.length; pos < end; ) {
        const unit = Math.floor(pos / unitSize);
        const within = pos - unit * unitSize;
        const n = Math.min(unitSize - within, end - pos);
        await readUnitInto(unit, within, target.subarray(pos - offset, pos - offset + n));
        pos += n;
      }
    },
    close,
  };
  return self;
}

/** A byte range of another source (a partition, a flat extent). */
export function sliceSource(
  parent: ByteSource,
  start: number,
  size: number,
  description: string,
): ByteSource {
  if (start < 0 || size < 0 || start + size > parent.size)
    throw new ImageFormatError(
      parent.description,
      description,
      start,
      `${size} bytes within ${parent.size} bytes`,
    );
  const self: ByteSource = {
    description,
    size,
    async read(offset: number, length: number): Promise<Buffer> {
      checkRange(self, offset, length);
      return parent.read(start + offset, length);
    },
    ...(parent.readInto
      ? {
          readInto: async (offset: number, target: Buffer): Promise<void> => {
            checkRange(self, offset, target.length);
            await parent.readInto!(start + offset, target);
          },
        }
      : {}),
    ...(parent.hostFile
      ? { hostFile: { fd: parent.hostFile.fd, offset: parent.hostFile.offset + start } }
      : {}),
    ...(parent.hostMap
      ? {
          hostMap: {
            fd: parent.hostMap.fd,
            ...(parent.hostMap.packing ? { packing: parent.hostMap.packing } : {}),
            async runs(offset: number, length: number, packed: number[]): Promise<number[] | undefined> {
              checkRange(self, offset, length);
              return parent.hostMap!.runs(start + offset, length, packed);
            },
          },
        }
      : {}),
    close: async () => {},
  };
  return self;
}

/** Concatenation of sources (VMDK extents, LV segments); `owned` are closed with it. */
export function concatSources(
  parts: ByteSource[],
  description: string,
  close: () => Promise<void>,
): ByteSource {
  const starts: number[] = [];
  let size = 0;
  for (const p of parts) {
    starts.push(size);
    size += p.size;
  }
  // One part: its bytes are the whole's (a linear volume of one segment, a VMDK of one flat extent).
  const only = parts.length === 1 ? parts[0]! : undefined;
  const self: ByteSource = {
    description,
    size,
    ...(only?.hostFile ? { hostFile: only.hostFile } : {}),
    ...(only?.hostMap ? { hostMap: only.hostMap } : {}),
    read: (offset, length) => readThroughInto(self, offset, length),
    async readInto(offset: number, target: Buffer): Promise<void> {
      checkRange(self, offset, target.length);
      let pos = offset;
      const end = offset + target.length;
      // Binary search would be faster; extent counts are small (bounded by the parsers).
      for (let i = 0; i < parts.length && pos < end; i++) {
        const part = parts[i] as ByteSource;
        const s = starts[i] as number;
        if (pos >= s + part.size) continue;
        const n = Math.min(s + part.size - pos, end - pos);
        const into = target.subarray(pos - offset, pos - offset + n);
        await readSourceInto(part, pos - s, into);
        pos += n;
      }
    },
    close,
  };
  return self;
}

const crcTables = new Map<number, Uint32Array>();
function crcTable(poly: number): Uint32Array {
  let t = crcTables.get(poly);
  if (!t) {
    t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? (poly ^ (c >>> 1)) >>> 0 : c >>> 1;
      t[n] = c >>> 0;
    }
    crcTables.set(poly, t);
  }
  return t;
}

function crc(poly: number, data: Uint8Array, init: number, xorOut: number): number {
  const t = crcTable(poly);
  let c = init >>> 0;
  for (let i = 0; i < data.length; i++)
    c = ((t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8)) >>> 0;
  return (c ^ xorOut) >>> 0;
}

/** CRC-32 (ISO-HDLC, as GPT and zlib use). */
export const crc32 = (data: Uint8Array): number => crc(0xedb88320, data, 0xffffffff, 0xffffffff);
/** CRC-32C (Castagnoli, as VHDX uses). */
export const crc32c = (data: Uint8Array): number => crc(0x82f63b78, data, 0xffffffff, 0xffffffff);

/** A GUID stored mixed-endian (GPT, VHDX): first three fields little-endian. */
export function guidAt(buf: Buffer, at: number): string {
  const b = buf.subarray(at, at + 16);
  const hex = (from: number, to: number, rev: boolean) => {
    const s = [...b.subarray(from, to)].map((x) => x.toString(16).padStart(2, "0"));
    return (rev ? s.reverse() : s).join("");
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`.toUpperCase();
}

/** u64 as a JS number, or throws when it cannot be an offset (above 2^53). */
export function u64(buf: Buffer, at: number, le: boolean, file: string, structure: string): number {
  const v = le ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ImageFormatError(file, structure, at, "a 64-bit value below 2^53");
  return Number(v);
}
