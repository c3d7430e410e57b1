import type { Readable } from "node:stream";
import { normalizeImagePath } from "../../fs/path.js";
import { ImageFormatError } from "../../io/errors.js";
import { unsafeEntryName, unsafeHardLinkTarget } from "../../target/tar/unsafe.js";

/**
 * A tar archive as raw 512-byte records (POSIX.1-2001 ustar + pax, GNU long names), so `fix` can
 * copy every entry it does not change byte for byte — headers, pax records and padding included —
 * and rewrite only the size and checksum of the ones it does.
 */

export const BLOCK = 512;
/** Bound on pax/GNU long-name data before an entry (real ones are a few hundred bytes). */
const MAX_META = 1024 * 1024;

export interface RawHeader {
  header: Buffer;
  data: Buffer;
}

export interface TarEntry {
  /** pax and GNU long-name entries before the header, as read. */
  meta: RawHeader[];
  header: Buffer;
  /** Image path ("/etc/shadow"), from pax path, a GNU long name, or prefix+name. */
  path: string;
  /** The name as stored ("./etc/shadow", "../evil"), before `path` normalized it. */
  rawName: string;
  /**
   * Why extracting this entry writes or links outside the extraction root (an absolute name, a
   * '..' component, a hard link with '..' in its target); `path` is then meaningless.
   */
  unsafe?: string;
  /** As stored (for messages and hard-link lookups). */
  type: "file" | "hardlink" | "symlink" | "char" | "block" | "directory" | "fifo" | "other";
  size: number;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  /** Where the header starts in the uncompressed stream. */
  offset: number;
}

function cstr(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const end = s.indexOf(0);
  return s.subarray(0, end < 0 ? s.length : end).toString("utf8");
}

function numeric(b: Buffer, start: number, len: number): number {
  if ((b[start]! & 0x80) !== 0) {
    // GNU base-256: big-endian, high bit of the first byte is the marker.
    let v = b[start]! & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[start + i]!;
    return v;
  }
  const s = cstr(b, start, len).trim();
  return s === "" ? 0 : Number.parseInt(s, 8);
}

const TYPES: Record<string, TarEntry["type"]> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "char",
  "4": "block",
  "5": "directory",
  "6": "fifo",
};

export function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number.parseInt(data.subarray(i, sp).toString("ascii"), 10);
    if (!Number.isFinite(len) || len <= 0 || i + len > data.length) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString("utf8");
    const eq = rec.indexOf("=");
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    i += len;
  }
  return out;
}

export function encodePax(records: Map<string, string>): Buffer {
  const parts: string[] = [];
  for (const [k, v] of records) {
    const body = ` ${k}=${v}\n`;
    const bodyLen = Buffer.byteLength(body);
    // The length counts its own digits: iterate to the fixed point.
    let len = bodyLen + 1;
    while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
    parts.push(`${len}${body}`);
  }
  return Buffer.from(parts.join(""));
}

/** Writes a size into a header (octal when it fits in 11 digits, else base-256) and fixes the checksum. */
export function setHeaderSize(header: Buffer, size: number): Buffer {
  const h = Buffer.from(header);
  if (size < 8 ** 11) h.write(`${size.toString(8).padStart(11, "0")}\0`, 124, 12, "ascii");
  else {
    h[124] = 0x80;
    let v = size;
    for (let i = 135; i > 124; i--) {
      h[i] = v % 256;
      v = Math.floor(v / 256);
    }
  }
  return withChecksum(h);
}

export function withChecksum(h: Buffer): Buffer {
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i]!;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return h;
}

export function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** Reads exact byte counts from a stream. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly it: AsyncIterator<Buffer>;
  position = 0;
  constructor(stream: Readable) {
    this.it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }
  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n) {
      const r = await this.it.next();
      if (r.done) return false;
      this.chunks.push(r.value);
      this.buffered += r.value.length;
    }
    return true;
  }
  /** Exactly n bytes, or undefined at a clean end of stream. */
  async read(n: number): Promise<Buffer | undefined> {
    if (!(await this.fill(n))) {
      if (this.buffered === 0) return undefined;
      throw new ImageFormatError(
        "tar archive",
        "tar record",
        this.position,
        `${n} bytes, found ${this.buffered}`,
      );
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    this.position += n;
    return out;
  }
  /** Streams n bytes to a callback in chunks (no whole-file buffering). */
  async stream(n: number, onChunk: (b: Buffer) => void | Promise<void>): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.fill(1)))
        throw new ImageFormatError("tar archive", "tar entry data", this.position, `${left} more bytes`);
      const head = this.chunks[0]!;
      const take = Math.min(left, head.length);
      await onChunk(head.subarray(0, take));
      if (take === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(take);
      this.buffered -= take;
      this.position += take;
      left -= take;
    }
  }
  /** Everything left in the stream (trailing zero blocks and padding). */
  async rest(onChunk: (b: Buffer) => void | Promise<void>): Promise<void> {
    for (const c of this.chunks) await onChunk(c);
    this.chunks = [];
    this.buffered = 0;
    for (let r = await this.it.next(); !r.done; r = await this.it.next()) await onChunk(r.value);
  }
}

export interface TarVisitor {
  /** Called for each entry; must consume the entry's data with `data` (padded size is handled). */
  entry(
    entry: TarEntry,
    data: (onChunk: (b: Buffer) => void | Promise<void>) => Promise<void>,
  ): Promise<void>;
  /** The end-of-archive blocks and whatever follows them, raw. */
  end(trailer: (onChunk: (b: Buffer) => void | Promise<void>) => Promise<void>): Promise<void>;
}

/** Walks a decompressed tar stream record by record. */
export async function readTar(stream: Readable, name: string, visitor: TarVisitor): Promise<void> {
  const r = new ByteReader(stream);
  let meta: RawHeader[] = [];
  let pax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const offset = r.position;
    const header = await r.read(BLOCK);
    if (header === undefined)
      throw new ImageFormatError(name, "tar archive", offset, "end-of-archive blocks");
    if (header.every((b) => b === 0)) {
      await visitor.end(async (onChunk) => {
        await onChunk(header);
        await r.rest(onChunk);
      });
      return;
    }
    const typeflag = String.fromCharCode(header[156]!);
    let size = numeric(header, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0)
      throw new ImageFormatError(name, "tar header size", offset + 124, "a size");
    if (typeflag === "x" || typeflag === "g" || typeflag === "L" || typeflag === "K") {
      if (size > MAX_META)
        throw new ImageFormatError(name, `tar ${typeflag} entry`, offset, `at most ${MAX_META} bytes`);
      const raw = (await r.read(padded(size))) ?? Buffer.alloc(0);
      const data = raw.subarray(0, size);
      meta.push({ header, data: raw });
      if (typeflag === "x") pax = new Map([...pax, ...parsePax(data)]);
      if (typeflag === "L") longName = cstr(data, 0, data.length);
      if (typeflag === "K") longLink = cstr(data, 0, data.length);
      continue;
    }
    const magic = header.subarray(257, 262).toString("ascii");
    const prefix = magic === "ustar" ? cstr(header, 345, 155) : "";
    const stored = cstr(header, 0, 100);
    const rawPath = pax.get("path") ?? longName ?? (prefix ? `${prefix}/${stored}` : stored);
    if (pax.has("size")) size = Number(pax.get("size"));
    const type = TYPES[typeflag] ?? "other";
    const linkname = pax.get("linkpath") ?? longLink ?? cstr(header, 157, 100);
    const unsafe =
      unsafeEntryName(rawPath) ?? (type === "hardlink" ? unsafeHardLinkTarget(linkname) : undefined);
    const entry: TarEntry = {
      meta,
      header,
      path: normalizeImagePath(`/${rawPath}`),
      rawName: rawPath,
      ...(unsafe !== undefined ? { unsafe } : {}),
      type,
      size: type === "file" || type === "other" ? size : 0,
      linkname,
      mode: numeric(header, 100, 8) & 0o7777,
      uid: pax.has("uid") ? Number(pax.get("uid")) : numeric(header, 108, 8),
      gid: pax.has("gid") ? Number(pax.get("gid")) : numeric(header, 116, 8),
      mtime: pax.has("mtime") ? Number(pax.get("mtime")) : numeric(header, 136, 12),
      offset,
    };
    // Data follows the header for every type whose size field is set (hard links normally have 0).
    const dataSize = size;
    let consumed = false;
    await visitor.entry(entry, async (onChunk) => {
      consumed = true;
      await r.stream(padded(dataSize), onChunk);
    });
    if (!consumed) await r.stream(padded(dataSize), () => {});
    meta = [];
    pax = new Map();
    longName = undefined;
    longLink = undefined;
  }
}

/** A ustar header for a file fix creates (owner root unless given). */
export function newFileHeader(
  path: string,
  size: number,
  mode: number,
  mtime: number,
  uid = 0,
  gid = 0,
): Buffer {
  const h = Buffer.alloc(BLOCK);
  let name = path.replace(/^\//, "");
  let prefix = "";
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", 155);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  h.write(name, 0, 100, "utf8");
  h.write(`${mode.toString(8).padStart(7, "0")}\0`, 100, 8, "ascii");
  h.write(`${uid.toString(8).padStart(7, "0")}\0`, 108, 8, "ascii");
  h.write(`${gid.toString(8).padStart(7, "0")}\0`, 116, 8, "ascii");
  h.write(`${Math.floor(mtime).toString(8).padStart(11, "0")}\0`, 136, 12, "ascii");
  h.write("0", 156, 1, "ascii");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write("root", 265, 32, "ascii");
  h.write("root", 297, 32, "ascii");
  h.write(prefix, 345, 155, "utf8");
  return setHeaderSize(h, size);
}
