/**
 * How the content pass reads one file's bytes, and reads them itself on a content thread when the
 * file lies as it is in a host file (FileTree.hostExtents): the main thread then only walks and
 * maps files, and the copying of gigabytes out of the page cache moves off it.
 */
import type { HostExtents } from "../fs/filetree.js";
import { readHostRuns } from "../io/host-read.js";
import { PiecewiseText, type ScanSink, scanWholeText, TextScanner, textScanOptions } from "./content-scan.js";

/** git, grep and file(1) call a file binary when its first block holds a NUL byte. */
export const BINARY_PROBE = 8 * 1024;
/** Files up to this size are read at once; larger ones are read in pieces of PIECE bytes. */
export const WHOLE_READ = 256 * 1024;
/** Above this size a file is probed (first 8 KiB) before it is read: most large files are binaries. */
export const HEAD_FIRST = 64 * 1024;
/** Largest piece of a file read in pieces. */
export const PIECE = 1024 * 1024;

export function isBinary(head: Buffer): boolean {
  return head.subarray(0, BINARY_PROBE).includes(0);
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
 * whole, large ones in pieces) and scans its text into `sink`. Throws what reading threw.
 */
export function scanHostFile(
  job: HostReadJob,
  sink: ScanSink,
  counts: ReadCounts,
  buffers: ReadBuffers,
): void {
  const { fd, size, runs, packed } = job.extents;
  const read = (from: number, target: Buffer) => readHostRuns(fd, runs, from, target, job.path, packed);
  if (size > HEAD_FIRST) {
    const head = buffers.whole.subarray(0, BINARY_PROBE);
    read(0, head);
    if (isBinary(head)) {
      counts.binaryFiles++;
      return;
    }
  }
  if (size <= WHOLE_READ) {
    const data = buffers.whole.subarray(0, size);
    read(0, data);
    if (isBinary(data)) {
      counts.binaryFiles++;
      return;
    }
    scanWholeText(job.path, job.configuration, data, sink);
  } else {
    const text = new PiecewiseText(
      new TextScanner(job.path, sink, textScanOptions(job.path, job.configuration)),
    );
    for (let at = 0; at < size; at += PIECE) {
      const piece = buffers.piece.subarray(0, Math.min(PIECE, size - at));
      read(at, piece);
      text.push(piece);
    }
    text.end();
  }
  counts.scannedFiles++;
  counts.scannedBytes += size;
}
