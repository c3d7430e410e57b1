import { type FileHandle, open } from "node:fs/promises";
import { inflateRawSync } from "node:zlib";
import { ImageFormatError } from "../../io/errors.js";

/**
 * Reads a zip archive entry by entry (APPNOTE.TXT 4.3: end of central directory → central
 * directory → local headers), so an OSV export of any size is imported with one entry in memory.
 * Stored (0) and deflated (8) entries only; zip64 is refused with a clear error.
 */
const EOCD = 0x06054b50;
const CEN = 0x02014b50;
const LOC = 0x04034b50;
const MAX_ENTRY = 64 * 1024 * 1024;

export async function* zipEntries(file: string): AsyncGenerator<{ name: string; data: Buffer }> {
  const fh = await open(file, "r");
  try {
    const size = (await fh.stat()).size;
    const tailLen = Math.min(size, 22 + 0xffff);
    const tail = await read(fh, size - tailLen, tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0)
      throw new ImageFormatError(file, "zip end of central directory", size, "signature PK\\5\\6");
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset === 0xffffffff || count === 0xffff)
      throw new ImageFormatError(file, "zip", size - tailLen + eocd, "a non-zip64 archive");
    if (cdOffset + cdSize > size)
      throw new ImageFormatError(file, "zip central directory", cdOffset, "inside the file");
    const cd = await read(fh, cdOffset, cdSize);
    let p = 0;
    for (let n = 0; n < count; n++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CEN)
        throw new ImageFormatError(file, "zip central directory entry", cdOffset + p, "signature PK\\1\\2");
      const method = cd.readUInt16LE(p + 10);
      const csize = cd.readUInt32LE(p + 20);
      const usize = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const local = cd.readUInt32LE(p + 42);
      const name = cd.toString("utf8", p + 46, p + 46 + nameLen);
      p += 46 + nameLen + extraLen + commentLen;
      if (name.endsWith("/")) continue;
      if (usize > MAX_ENTRY || csize > MAX_ENTRY)
        throw new ImageFormatError(file, `zip entry ${name}`, local, `at most ${MAX_ENTRY} bytes`);
      const lh = await read(fh, local, 30);
      if (lh.readUInt32LE(0) !== LOC)
        throw new ImageFormatError(file, `zip local header ${name}`, local, "signature PK\\3\\4");
      const start = local + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
      const raw = await read(fh, start, csize);
      if (method === 0) yield { name, data: raw };
      else if (method === 8) yield { name, data: inflateRawSync(raw, { maxOutputLength: MAX_ENTRY }) };
      else throw new ImageFormatError(file, `zip entry ${name}`, local, "stored or deflated data");
    }
  } finally {
    await fh.close();
  }
}

async function read(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead !== length) throw new ImageFormatError("zip", "read", position, `${length} bytes`);
  return buf;
}
