import { promises as fsp } from "node:fs";
import { ImageFormatError } from "../fs/errors.js";
import type { ByteSource } from "./bytes.js";

/** A host file (raw disk image, filesystem image) as a ByteSource, read at offsets. */
export async function openFileByteSource(path: string): Promise<ByteSource> {
  const handle = await fsp.open(path, "r");
  const size = (await handle.stat()).size;
  return {
    description: path,
    size,
    async read(offset: number, length: number): Promise<Buffer> {
      if (
        !Number.isSafeInteger(offset) ||
        !Number.isSafeInteger(length) ||
        offset < 0 ||
        length < 0 ||
        offset + length > size
      )
        throw new ImageFormatError(path, "read", offset, `${length} bytes within the file's ${size} bytes`);
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
        if (bytesRead === 0)
          throw new ImageFormatError(path, "read", offset + done, "more bytes (file shrank)");
        done += bytesRead;
      }
      return buf;
    },
    close: () => handle.close(),
  };
}

/** A Buffer as a ByteSource (tests, small embedded images). */
export function bufferByteSource(bytes: Buffer, description = "buffer"): ByteSource {
  return {
    description,
    size: bytes.length,
    async read(offset: number, length: number): Promise<Buffer> {
      if (offset < 0 || length < 0 || offset + length > bytes.length)
        throw new ImageFormatError(description, "read", offset, `${length} bytes within ${bytes.length}`);
      return Buffer.from(bytes.subarray(offset, offset + length));
    },
    async close(): Promise<void> {},
  };
}
