import { closeSync, openSync, writeSync } from "node:fs";
import { buffer } from "node:stream/consumers";
import tar from "tar-stream";

/**
 * An archive GNU tar would refuse to write: "../evil" and "/etc/evil" beside a normal file.
 * Built with tar-stream's packer, which writes names as given.
 */
export async function evilArchive(): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: "etc/hostname", mode: 0o644 }, "fine\n");
  pack.entry({ name: "../evil", mode: 0o644 }, "escaped\n");
  pack.entry({ name: "/etc/evil", mode: 0o644 }, "absolute\n");
  pack.finalize();
  return buffer(pack);
}

export interface HeaderFields {
  name: string;
  size?: number;
  /** "0" file (default), "1" hard link, "2" symlink, "5" directory, ... */
  typeflag?: string;
  linkname?: string;
  mode?: number;
}

/** One ustar header block, checksum included; names are written as given (up to 100 bytes). */
export function ustarHeader(fields: HeaderFields): Buffer {
  const h = Buffer.alloc(512);
  const octal = (value: number, at: number, len: number) =>
    h.write(`${value.toString(8).padStart(len - 1, "0")}\0`, at, len, "latin1");
  h.write(fields.name, 0, 100, "utf8");
  octal(fields.mode ?? (fields.typeflag === "5" ? 0o755 : 0o644), 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(fields.size ?? 0, 124, 12);
  octal(1_700_000_000, 136, 12);
  h.write(fields.typeflag ?? "0", 156, 1, "latin1");
  h.write(fields.linkname ?? "", 157, 100, "utf8");
  h.write("ustar\x0000", 257, 8, "latin1");
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "latin1");
  return h;
}

/** A header and its data padded to whole blocks. */
export function tarEntry(fields: HeaderFields, data: Buffer | string = ""): Buffer {
  const body = Buffer.from(data);
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  body.copy(padded);
  return Buffer.concat([ustarHeader({ ...fields, size: body.length }), padded]);
}

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(1024);

/**
 * Writes a plain tar of `count` empty files, `perDir` to a directory ("d0/f0", "d0/f1", ...),
 * without going through a filesystem: the shape of an archive built to exhaust an index.
 */
export function writeManyEntriesTar(file: string, count: number, perDir = 1000): void {
  const fd = openSync(file, "w");
  try {
    const batch: Buffer[] = [];
    const flush = () => {
      writeSync(fd, Buffer.concat(batch));
      batch.length = 0;
    };
    for (let i = 0; i < count; i++) {
      batch.push(ustarHeader({ name: `d${Math.floor(i / perDir)}/f${i}` }));
      if (batch.length === 4096) flush();
    }
    batch.push(END_OF_ARCHIVE);
    flush();
  } finally {
    closeSync(fd);
  }
}

/** Runs `fn` with the in-process (JS) decompressors instead of the zstd/xz programs. */
export async function withJs<T>(fn: () => Promise<T>): Promise<T> {
  process.env.AMIGATE_JS_DECOMPRESS = "1";
  try {
    return await fn();
  } finally {
    delete process.env.AMIGATE_JS_DECOMPRESS;
  }
}
