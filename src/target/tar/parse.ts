import { ImageFormatError } from "../../io/errors.js";
import type { ChunkReader } from "./reader.js";

/**
 * A streaming tar reader: ustar/POSIX (POSIX.1-2017 pax, "ustar Interchange Format"), GNU
 * (long names 'L'/'K', old sparse 'S'), pax extended headers ('x', 'g') and GNU pax sparse 1.0 and
 * 0.1. Hand-written rather than tar-stream 3.2: that one reports GNU sparse entries as type null
 * and reads their extension blocks as file data, ignores pax uid/gid/mtime, and does not expose
 * header bytes, so sparse files and ownership could not be read through it.
 */

const BLOCK = 512;
/** Long names and pax records larger than this are not real archives (PATH_MAX is 4096). */
const META_MAX = 1024 * 1024;
/** Sparse maps beyond this many segments are refused rather than held in memory. */
const SPARSE_MAX = 1 << 20;

export interface SparseSegment {
  /** Offset in the file. */
  offset: number;
  length: number;
}

export interface TarEntry {
  name: string;
  linkname: string;
  /** The header's typeflag character ("0", "5", "2", ...). */
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  /** Apparent size (the real size of a sparse file). */
  size: number;
  headerOffset: number;
  /** Offset of the stored data in the tar stream, and its length. */
  dataOffset: number;
  storedSize: number;
  /** For sparse files: the data segments, stored back to back; the rest reads as zeros. */
  sparse?: SparseSegment[];
}

/** Returns a sink for the entry's stored data, or undefined to skip it. */
export type EntryVisitor = (entry: TarEntry) => ((chunk: Buffer) => void | Promise<void>) | undefined;

/** Bytes passed over after a header with a bad checksum, looking for the next valid header. */
export interface SkippedRegion {
  /** Offset of the damaged header in the (decompressed) tar stream. */
  offset: number;
  /** How many bytes were passed over: up to the next valid header, or to the end of the archive. */
  length: number;
  /** Whether a valid header followed (false: the archive ended first). */
  resumed: boolean;
}

export interface ReadTarOptions {
  /**
   * Given: a header whose checksum fails is passed over as GNU tar does ("Skipping to next
   * header"): the blocks after it are read one by one until one is a plausible header, the region
   * goes to this callback and reading goes on from there. Without it such a header throws.
   */
  onSkip?: (region: SkippedRegion) => void;
}

export async function readTar(
  reader: ChunkReader,
  file: string,
  visit: EntryVisitor,
  options: ReadTarOptions = {},
): Promise<void> {
  const fail = (structure: string, offset: number, expected: string) =>
    new ImageFormatError(file, structure, offset, expected);
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  const globalPax: Record<string, string> = {};
  /** A header found by resynchronising, to be read as the next one. */
  let found: { block: Buffer; offset: number } | undefined;

  for (;;) {
    let headerOffset = reader.offset;
    let block: Buffer;
    if (found) {
      ({ block, offset: headerOffset } = found);
      found = undefined;
    } else {
      block = await reader.read(BLOCK);
      if (block.length === 0) return; // archives cut right after an entry are accepted, as GNU tar does
      if (block.length < BLOCK)
        throw fail(
          "tar header",
          headerOffset,
          `a ${BLOCK}-byte header (the archive ends after ${block.length} bytes)`,
        );
      if (isZeroBlock(block)) return;
    }
    if (!checksumOk(block)) {
      if (!options.onSkip) throw fail("tar header", headerOffset, "a header with a valid checksum");
      // Linear in what is skipped, one block at a time: the next header is block-aligned.
      for (;;) {
        const at = reader.offset;
        const next = await reader.read(BLOCK);
        if (next.length < BLOCK) {
          options.onSkip({ offset: headerOffset, length: reader.offset - headerOffset, resumed: false });
          return;
        }
        if (plausibleHeader(next)) {
          options.onSkip({ offset: headerOffset, length: at - headerOffset, resumed: true });
          found = { block: next, offset: at };
          break;
        }
      }
      // Extended headers read before the damage belonged to the entry it took.
      longName = longLink = undefined;
      pax = {};
      continue;
    }
    const num = (off: number, len: number, field: string) => {
      const v = parseNumber(block, off, len);
      if (v === undefined) throw fail("tar header", headerOffset, `a number in the ${field} field`);
      return v;
    };
    const typeflag = block[156] === 0 ? "0" : String.fromCharCode(block[156]!);
    const headerSize = num(124, 12, "size");

    if (typeflag === "L" || typeflag === "K" || typeflag === "x" || typeflag === "g") {
      if (headerSize > META_MAX)
        throw fail("tar header", headerOffset, `an extended header of at most ${META_MAX} bytes`);
      const body = await reader.read(headerSize);
      await skipPadding(reader, headerSize, file);
      if (body.length < headerSize)
        throw fail("tar extended header", headerOffset + BLOCK, `${headerSize} bytes`);
      if (typeflag === "L") longName = cString(body, 0, body.length);
      else if (typeflag === "K") longLink = cString(body, 0, body.length);
      else {
        const records = parsePax(body);
        if (!records)
          throw fail("pax header", headerOffset + BLOCK, "records of the form '<length> <key>=<value>\\n'");
        if (typeflag === "g") Object.assign(globalPax, records);
        else pax = records;
      }
      continue;
    }

    const p = { ...globalPax, ...pax };
    const ustar = block.subarray(257, 263).toString("latin1") === "ustar\0";
    let name = cString(block, 0, 100);
    if (ustar && block[345] !== 0) name = `${cString(block, 345, 155)}/${name}`;
    name = p["GNU.sparse.name"] ?? longName ?? p.path ?? name;
    const linkname = longLink ?? p.linkpath ?? cString(block, 157, 100);
    const paxNumber = (key: string, fallback: number) => {
      const v = p[key];
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || n > Number.MAX_SAFE_INTEGER)
        throw fail("pax header", headerOffset, `a number for ${key}`);
      return n;
    };
    const storedSize = paxNumber("size", headerSize);
    const entry: TarEntry = {
      name,
      linkname,
      typeflag,
      mode: num(100, 8, "mode") & 0o7777,
      uid: paxNumber("uid", num(108, 8, "uid")),
      gid: paxNumber("gid", num(116, 8, "gid")),
      mtimeMs: Math.round(paxNumber("mtime", num(136, 12, "mtime")) * 1000),
      size: storedSize,
      headerOffset,
      dataOffset: 0,
      storedSize,
    };
    longName = longLink = undefined;
    pax = {};

    if (typeflag === "S") {
      // Old GNU sparse: 4 (offset, numbytes) pairs at 386, isextended at 482, realsize at 483;
      // extension blocks of 21 pairs (isextended at 504) follow the header, outside `size`.
      const segments: SparseSegment[] = [];
      let extended = addPairs(block, 386, 4, segments, num);
      entry.size = num(483, 12, "realsize");
      while (extended) {
        const ext = await reader.read(BLOCK);
        if (ext.length < BLOCK)
          throw fail("GNU sparse header", reader.offset - ext.length, "an extension block");
        const n = (off: number, len: number, field: string) => {
          const v = parseNumber(ext, off, len);
          if (v === undefined) throw fail("GNU sparse header", reader.offset - BLOCK, `a number in ${field}`);
          return v;
        };
        extended = addPairs(ext, 0, 21, segments, n);
        if (segments.length > SPARSE_MAX)
          throw fail("GNU sparse header", headerOffset, `at most ${SPARSE_MAX} segments`);
      }
      entry.typeflag = "0";
      entry.sparse = segments;
    } else if (p["GNU.sparse.major"] === "1" && p["GNU.sparse.minor"] === "0") {
      // pax sparse 1.0: the map is decimal text at the start of the data, padded to a block.
      const { segments, mapBytes } = await readSparseMap(reader, storedSize, file);
      entry.sparse = segments;
      entry.storedSize = storedSize - mapBytes;
      entry.size = paxNumber("GNU.sparse.realsize", entry.storedSize);
    } else if (p["GNU.sparse.map"] !== undefined) {
      const nums = p["GNU.sparse.map"].split(",").map(Number);
      if (
        nums.length % 2 !== 0 ||
        nums.some((n) => !Number.isSafeInteger(n) || n < 0) ||
        nums.length > 2 * SPARSE_MAX
      )
        throw fail("pax header", headerOffset, "GNU.sparse.map as offset,size pairs");
      entry.sparse = [];
      for (let i = 0; i < nums.length; i += 2) entry.sparse.push({ offset: nums[i]!, length: nums[i + 1]! });
      entry.size = paxNumber("GNU.sparse.size", paxNumber("GNU.sparse.realsize", storedSize));
    }
    if (entry.sparse) checkSparse(entry, fail);

    entry.dataOffset = reader.offset;
    // Every entry's data is skipped by its size whatever its type, as GNU tar does.
    const dataBytes = entry.storedSize;
    const sink = visit(entry);
    const got = sink ? await reader.stream(dataBytes, sink) : await reader.skip(dataBytes);
    if (got < dataBytes)
      throw fail(
        "tar entry data",
        entry.dataOffset,
        `${dataBytes} bytes of data for "${entry.name}" (the archive ends after ${got})`,
      );
    const padded = dataBytes % BLOCK;
    if (padded && (await reader.skip(BLOCK - padded)) < BLOCK - padded)
      throw fail("tar entry data", reader.offset, `padding to a ${BLOCK}-byte block`);
  }
}

async function skipPadding(reader: ChunkReader, size: number, file: string): Promise<void> {
  const pad = (BLOCK - (size % BLOCK)) % BLOCK;
  if (pad && (await reader.skip(pad)) < pad)
    throw new ImageFormatError(file, "tar header", reader.offset, "padding to a 512-byte block");
}

function addPairs(
  block: Buffer,
  at: number,
  count: number,
  out: SparseSegment[],
  num: (off: number, len: number, field: string) => number,
): boolean {
  for (let i = 0; i < count; i++) {
    const off = at + i * 24;
    if (block[off] === 0) break;
    out.push({ offset: num(off, 12, "sparse offset"), length: num(off + 12, 12, "sparse numbytes") });
  }
  return block[at + count * 24] !== 0;
}

async function readSparseMap(reader: ChunkReader, storedSize: number, file: string) {
  const start = reader.offset;
  const fail = (why: string) => new ImageFormatError(file, "GNU sparse map", start, why);
  const numbers: number[] = [];
  let text = "";
  let consumed = 0;
  let want = 1;
  while (numbers.length < want) {
    if (consumed + BLOCK > storedSize) throw fail("a sparse map inside the entry's data");
    const block = await reader.read(BLOCK);
    if (block.length < BLOCK) throw fail("a complete sparse map (the archive ends inside it)");
    consumed += BLOCK;
    text += block.toString("latin1");
    const lines = text.split("\n");
    text = lines.pop()!;
    for (const line of lines) {
      if (numbers.length >= want) break;
      if (!/^\d{1,16}$/.test(line)) throw fail("decimal numbers, one per line");
      numbers.push(Number(line));
      if (numbers.length === 1) {
        if (numbers[0]! > SPARSE_MAX) throw fail(`at most ${SPARSE_MAX} segments`);
        want = 1 + 2 * numbers[0]!;
      }
    }
  }
  const segments: SparseSegment[] = [];
  for (let i = 1; i < numbers.length; i += 2) segments.push({ offset: numbers[i]!, length: numbers[i + 1]! });
  return { segments, mapBytes: consumed };
}

function checkSparse(entry: TarEntry, fail: (s: string, o: number, e: string) => ImageFormatError): void {
  let end = 0;
  let stored = 0;
  for (const s of entry.sparse!) {
    if (s.offset < end || s.offset + s.length > entry.size)
      throw fail("GNU sparse map", entry.headerOffset, "ordered segments inside the file's real size");
    end = s.offset + s.length;
    stored += s.length;
  }
  if (stored > entry.storedSize)
    throw fail(
      "GNU sparse map",
      entry.headerOffset,
      `segments totalling at most the ${entry.storedSize} stored bytes`,
    );
}

/** Typeflags of POSIX, GNU and pax headers: a block with another one is not taken for a header. */
const TYPEFLAGS = new Set([..."01234567xgLKSDMNV"].map((c) => c.charCodeAt(0)));

/**
 * A block a resynchronising reader may take for a header: a valid checksum, a name, numbers where
 * numbers go, and a known typeflag or the ustar magic. A header stored inside a file's data
 * (a tar inside the tar) passes too, as it does for GNU tar.
 */
function plausibleHeader(block: Buffer): boolean {
  if (block[0] === 0 || !checksumOk(block)) return false;
  for (const [off, len] of [
    [100, 8],
    [124, 12],
    [136, 12],
  ] as const)
    if (parseNumber(block, off, len) === undefined) return false;
  return block.toString("latin1", 257, 262) === "ustar" || block[156] === 0 || TYPEFLAGS.has(block[156]!);
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** The checksum treats its own field as spaces; old tars summed signed bytes. */
/** A header block's checksum field (octal, at 148) is the sum of its bytes with the field as spaces (unsigned, or signed as old tars wrote it). */
export function checksumOk(block: Buffer): boolean {
  const stored = parseNumber(block, 148, 8);
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** Octal text (NUL/space terminated) or GNU base-256 (high bit set); undefined when malformed. */
export function parseNumber(block: Buffer, off: number, len: number): number | undefined {
  const first = block[off]!;
  if (first & 0x80) {
    if (first === 0xff) return undefined; // negative
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + block[off + i]!;
    return Number.isSafeInteger(v) ? v : undefined;
  }
  let i = off;
  const end = off + len;
  while (i < end && block[i] === 0x20) i++;
  let v = 0;
  for (; i < end; i++) {
    const c = block[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) return undefined;
    v = v * 8 + (c - 0x30);
  }
  return v;
}

function cString(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString("utf8", off, end === -1 || end > off + len ? off + len : end);
}

function parsePax(body: Buffer): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0) break; // some writers pad the body with NULs
    const space = body.indexOf(0x20, pos);
    if (space === -1 || space - pos > 8) return undefined;
    const len = Number(body.toString("latin1", pos, space));
    if (
      !Number.isSafeInteger(len) ||
      len <= space - pos + 1 ||
      pos + len > body.length ||
      body[pos + len - 1] !== 0x0a
    )
      return undefined;
    const record = body.subarray(space + 1, pos + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) return undefined;
    out[record.toString("utf8", 0, eq)] = record.toString("utf8", eq + 1);
    pos += len;
  }
  return out;
}
