/**
 * How the content pass reads one file's bytes, and reads them itself on a content thread when the
 * file lies as it is in a host file (FileTree.hostExtents): the main thread then only walks and
 * maps files, and the copying of gigabytes out of the page cache moves off it.
 */
import type { HostExtents } from "../fs/filetree.js";
import { readHostRuns } from "../io/host-read.js";
import { archiveFormatOf } from "./archive-formats.js";
import { PiecewiseText, type ScanSink, scanWholeText, TextScanner, textScanOptions } from "./content-scan.js";

/** git, grep and file(1) call a file binary when its first block holds a NUL byte. */
export const BINARY_PROBE = 8 * 1024;
/** Files up to this size are read at once; larger ones are read in pieces of PIECE bytes. */
export const WHOLE_READ = 256 * 1024;
/** Above this size a file is probed (first 8 KiB) before it is read: most large files are binaries. */
export const HEAD_FIRST = 64 * 1024;
/** Largest piece of a file read in pieces. */
export const PIECE = 1024 * 1024;

/**
 * How a file's bytes are text, judged from its first BINARY_PROBE bytes: not at all ("binary": a
 * NUL, as git says), as ASCII/UTF-8 ("text"), or as UTF-16, which Windows writes for "Unicode"
 * (PowerShell 5.1's `>` and Out-File, .reg exports, Notepad): a NUL in every other byte, so a
 * NUL test alone took every such file for a binary and its secrets went unread.
 */
export type TextEncoding = "binary" | "text" | "utf16le" | "utf16be";

export function textEncodingOf(head: Buffer): TextEncoding {
  const probe = head.subarray(0, BINARY_PROBE);
  const le = probe[0] === 0xff && probe[1] === 0xfe;
  const be = probe[0] === 0xfe && probe[1] === 0xff;
  if ((le || be) && !hasNulUnit(probe.subarray(2))) return le ? "utf16le" : "utf16be";
  if (!probe.includes(0)) return "text";
  return looksUtf16le(probe) ? "utf16le" : "binary";
}

/** True when a 16-bit unit is 0: no UTF-16 text holds U+0000; a binary that starts like a BOM does. */
function hasNulUnit(b: Buffer): boolean {
  for (let i = 0; i + 1 < b.length; i += 2) if (b[i] === 0 && b[i + 1] === 0) return true;
  return false;
}

/**
 * UTF-16LE without a byte order mark: no unit 0, and at least 95 % of units an ASCII character
 * that text holds (printable, tab, CR, LF). A program's first 8 KiB never looks like that.
 */
function looksUtf16le(b: Buffer): boolean {
  const units = b.length >> 1;
  if (units < 8) return false;
  let ascii = 0;
  for (let i = 0; i + 1 < b.length; i += 2) {
    const lo = b[i]!;
    const hi = b[i + 1]!;
    if (hi !== 0) continue;
    if (lo === 0) return false;
    if ((lo >= 0x20 && lo < 0x7f) || lo === 9 || lo === 10 || lo === 13) ascii++;
  }
  return ascii >= units * 0.95;
}

/**
 * `bytes` as the scanners read text (UTF-8), from `encoding`; the byte order mark left out of the
 * first piece. UTF-16 pieces must start on a unit (PIECE is even).
 */
export function asText(bytes: Buffer, encoding: TextEncoding, first: boolean): Buffer {
  if (encoding === "text" || encoding === "binary") return bytes;
  let units = bytes.subarray(0, bytes.length & ~1);
  if (encoding === "utf16be") units = Buffer.from(units).swap16();
  const bom = first && units[0] === 0xff && units[1] === 0xfe ? 2 : 0;
  return Buffer.from(units.toString("utf16le", bom), "utf8");
}

/**
 * Turns a file's reads, in order, into the scanners' text: a UTF-16 read may end inside a unit,
 * so an odd byte is carried to the next read.
 */
export class TextReads {
  private carry: Buffer | undefined;
  private first = true;
  constructor(private readonly encoding: TextEncoding) {}

  text(read: Buffer): Buffer {
    const first = this.first;
    this.first = false;
    if (this.encoding === "text" || this.encoding === "binary") return read;
    const data = this.carry ? Buffer.concat([this.carry, read]) : read;
    this.carry = data.length & 1 ? Buffer.from(data.subarray(data.length - 1)) : undefined;
    return asText(data, this.encoding, first);
  }
}

/** A file for a content thread to read from the host file and scan. */
export interface HostReadJob {
  path: string;
  /** The publisher's configuration (not installed by a language package manager). */
  configuration: boolean;
  extents: HostExtents;
}

/** What reading files counted: the content facts' stats of the same names. */
export interface ReadCounts {
  scannedFiles: number;
  scannedBytes: number;
  binaryFiles: number;
}

export function noReadCounts(): ReadCounts {
  return { scannedFiles: 0, scannedBytes: 0, binaryFiles: 0 };
}

/** Adds `more` into `into` (the stats hold these counts among others). */
export function addReadCounts(into: ReadCounts, more: ReadCounts): void {
  into.scannedFiles += more.scannedFiles;
  into.scannedBytes += more.scannedBytes;
  into.binaryFiles += more.binaryFiles;
}

/** Buffers a thread reuses for every file it reads: WHOLE_READ and PIECE bytes. */
export interface ReadBuffers {
  whole: Buffer;
  piece: Buffer;
}

export function readBuffers(): ReadBuffers {
  return { whole: Buffer.allocUnsafe(WHOLE_READ), piece: Buffer.allocUnsafe(PIECE) };
}

/**
 * Reads one file as the main thread would (probe large files for a NUL first, read small ones
 * whole, large ones in pieces) and scans its text into `sink`. Throws what reading threw. Returns
 * "archive" for an archive or compressed file, unread: the main thread opens those.
 */
export function scanHostFile(
  job: HostReadJob,
  sink: ScanSink,
  counts: ReadCounts,
  buffers: ReadBuffers,
): "archive" | undefined {
  const { fd, size, runs, packed } = job.extents;
  const read = (from: number, target: Buffer) => readHostRuns(fd, runs, from, target, job.path, packed);
  let encoding: TextEncoding | undefined;
  if (size > HEAD_FIRST) {
    const head = buffers.whole.subarray(0, BINARY_PROBE);
    read(0, head);
    if (archiveFormatOf(head)) return "archive";
    encoding = textEncodingOf(head);
    if (encoding === "binary") {
      counts.binaryFiles++;
      return undefined;
    }
  }
  if (size <= WHOLE_READ) {
    const data = buffers.whole.subarray(0, size);
    read(0, data);
    if (archiveFormatOf(data)) return "archive";
    encoding = textEncodingOf(data);
    if (encoding === "binary") {
      counts.binaryFiles++;
      return undefined;
    }
    scanWholeText(job.path, job.configuration, asText(data, encoding, true), sink);
  } else {
    const text = new PiecewiseText(
      new TextScanner(job.path, sink, textScanOptions(job.path, job.configuration)),
    );
    for (let at = 0; at < size; at += PIECE) {
      const piece = buffers.piece.subarray(0, Math.min(PIECE, size - at));
      read(at, piece);
      text.push(asText(piece, encoding ?? "text", at === 0));
    }
    text.end();
  }
  counts.scannedFiles++;
  counts.scannedBytes += size;
  return undefined;
}
