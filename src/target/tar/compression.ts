import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";

/**
 * A compressed stream's format, told from its first bytes: no decoder here, so that what only
 * asks (the content threads sniff every file they read) does not load child_process, zlib and the
 * stream machinery decompress.ts needs.
 */
export type Compression = "none" | "gzip" | "xz" | "zstd";

/** A regular host file's compression, and its stat when it was told (FileCompression). */
export interface FileCompression {
  compression: Compression;
  stat: Stats;
}

/**
 * The compression of the regular file `file` from its first 8 bytes; undefined when it is not a
 * regular file or cannot be read. Never blocks: a FIFO's open would wait for a writer.
 */
export function fileCompression(file: string): FileCompression | undefined {
  const head = Buffer.alloc(8);
  try {
    if (!statSync(file).isFile()) return undefined;
    const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile() || readSync(fd, head, 0, head.length, 0) < head.length) return undefined;
      return { compression: detectCompression(head), stat };
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] as const;

/**
 * Told from magic bytes only (RFC 1952 §2.3.1, xz file format §2.1.1.1, RFC 8878 §3.1.1 and §3.1.2). Asked of
 * every file the content pass reads: it compares bytes in place and allocates nothing.
 */
export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (startsWithBytes(head, XZ_MAGIC)) return "xz";
  if (head.length >= 4) {
    const magic = head.readUInt32LE(0);
    // Or a skippable frame first (RFC 8878 §3.1.2): pzstd writes one before each frame.
    if (magic === 0xfd2fb528 || (magic & 0xfffffff0) === 0x184d2a50) return "zstd";
  }
  return "none";
}

/** Whether `head` holds `magic` at `at` (its start unless given). */
export function startsWithBytes(head: Uint8Array, magic: readonly number[], at = 0): boolean {
  if (head.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[at + i] !== magic[i]) return false;
  return true;
}
