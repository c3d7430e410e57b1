import { ImageFormatError } from "../../io/errors.js";
import type { FatTable } from "./fat.js";

export interface FatEntry {
  name: string;
  directory: boolean;
  readOnly: boolean;
  hidden: boolean;
  firstCluster: number;
  size: number;
  mtimeMs: number;
  /** Byte offset of the 8.3 entry in the volume (identity of files). */
  offset: number;
}

const ATTR_READ_ONLY = 0x01;
const ATTR_HIDDEN = 0x02;
const ATTR_VOLUME_ID = 0x08;
const ATTR_DIRECTORY = 0x10;
const ATTR_LONG_NAME = 0x0f;
/** A directory holds at most 65536 entries (FAT spec, section 6): 2 MiB. */
export const MAX_DIR_BYTES = 65536 * 32;

/** Checksum of the 11-byte short name that each LFN entry repeats (FAT spec, section 7). */
function shortNameChecksum(b: Buffer, at: number): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + (b[at + i] as number)) & 0xff;
  return sum;
}

/** "README  TXT" → "README.TXT"; NT case bits (byte 12: 0x08 base, 0x10 extension) lower-case parts. */
function shortName(b: Buffer, at: number): string {
  const raw = Buffer.from(b.subarray(at, at + 11));
  if (raw[0] === 0x05) raw[0] = 0xe5;
  let base = raw.toString("latin1", 0, 8).trimEnd();
  let ext = raw.toString("latin1", 8, 11).trimEnd();
  const nt = b[at + 12] as number;
  if (nt & 0x08) base = base.toLowerCase();
  if (nt & 0x10) ext = ext.toLowerCase();
  return ext ? `${base}.${ext}` : base;
}

/** FAT date/time (local time; read as UTC): date = year-1980:7 month:4 day:5, time = h:5 m:6 s/2:5. */
function fatTime(date: number, time: number): number {
  const year = 1980 + (date >> 9);
  const month = Math.max(1, (date >> 5) & 0xf) - 1;
  const day = Math.max(1, date & 0x1f);
  return Date.UTC(year, month, day, time >> 11, (time >> 5) & 0x3f, (time & 0x1f) * 2);
}

/** Entries of a directory's bytes (without ".", "..", the volume label and deleted entries). */
export function parseDirectory(b: Buffer, baseOffset: number, file: string): FatEntry[] {
  const out: FatEntry[] = [];
  let lfn: string[] = [];
  let lfnChecksum = -1;
  let lfnNext = 0;
  for (let at = 0; at + 32 <= b.length; at += 32) {
    const first = b[at] as number;
    // 0x00 ends a directory in the FAT specification (and for Windows), but Linux reads it as a
    // free slot and goes on to the end of the directory's clusters (IS_FREE in fat_search_long and
    // __fat_readdir): entries after it are files on a Linux instance, and must not be hidden here.
    if (first === 0x00 || first === 0xe5) {
      lfn = [];
      continue;
    }
    const attr = b[at + 11] as number;
    if ((attr & 0x3f) === ATTR_LONG_NAME) {
      const ord = first & 0x1f;
      if (first & 0x40) {
        lfn = new Array<string>(ord).fill("");
        lfnChecksum = b[at + 13] as number;
        lfnNext = ord;
      }
      if (ord !== lfnNext || ord < 1 || b[at + 13] !== lfnChecksum) {
        lfn = []; // an orphaned or out-of-order piece: fall back to the short name
        continue;
      }
      const units = Buffer.concat([
        b.subarray(at + 1, at + 11),
        b.subarray(at + 14, at + 26),
        b.subarray(at + 28, at + 32),
      ]);
      lfn[ord - 1] = units.toString("utf16le");
      lfnNext = ord - 1;
      continue;
    }
    const checksumOk = lfn.length > 0 && lfnNext === 0 && shortNameChecksum(b, at) === lfnChecksum;
    const long = checksumOk ? lfn.join("").split("\u0000")[0] : undefined;
    lfn = [];
    if (attr & ATTR_VOLUME_ID) continue;
    const name = long || shortName(b, at);
    if (name === "." || name === "..") continue;
    if (name.includes("/") || name === "")
      throw new ImageFormatError(
        file,
        "FAT directory entry",
        baseOffset + at,
        `a name without "/" (got ${JSON.stringify(name)})`,
      );
    out.push({
      name,
      directory: (attr & ATTR_DIRECTORY) !== 0,
      readOnly: (attr & ATTR_READ_ONLY) !== 0,
      hidden: (attr & ATTR_HIDDEN) !== 0,
      firstCluster: (b.readUInt16LE(at + 20) << 16) | b.readUInt16LE(at + 26),
      size: b.readUInt32LE(at + 28),
      mtimeMs: fatTime(b.readUInt16LE(at + 24), b.readUInt16LE(at + 22)),
      offset: baseOffset + at,
    });
  }
  return out;
}

/** Reads a directory's clusters (bounded to 2 MiB) and parses them. */
export async function readDirectoryChain(fat: FatTable, first: number, what: string): Promise<FatEntry[]> {
  const { clusterSize } = fat.geo;
  const clusters = await fat.chain(first, Math.ceil(MAX_DIR_BYTES / clusterSize), what, false);
  const out: FatEntry[] = [];
  // Parse cluster by cluster so entry offsets are real volume offsets; LFN runs may span clusters,
  // so parse the concatenation and map offsets back per cluster.
  const source = fat.source;
  const parts: Buffer[] = [];
  for (const c of clusters) parts.push(await source.read(fat.clusterOffset(c), clusterSize));
  const entries = parseDirectory(Buffer.concat(parts), 0, source.description);
  for (const e of entries) {
    const c = clusters[Math.floor(e.offset / clusterSize)] as number;
    out.push({ ...e, offset: fat.clusterOffset(c) + (e.offset % clusterSize) });
  }
  return out;
}
