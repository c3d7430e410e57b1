import { promises as fsp, readSync } from "node:fs";
import { ImageFormatError, TargetError } from "../fs/errors.js";
import type { ByteSource } from "./bytes.js";

/** A plain file (or block device) as a ByteSource. */
export async function openFileByteSource(path: string): Promise<ByteSource> {
  let handle: fsp.FileHandle;
  let size: number;
  try {
    handle = await fsp.open(path, "r");
    size = (await handle.stat()).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TargetError(path, code === "ENOENT" ? "no such file" : `cannot open (${code ?? "EIO"})`);
  }
  const file = handle;
  return {
    description: path,
    size,
    async read(offset: number, length: number): Promise<Buffer> {
      if (offset < 0 || length < 0 || offset + length > size || !Number.isSafeInteger(offset + length))
        throw new ImageFormatError(
          path,
          "read range",
          offset,
          `${length} bytes within the file's ${size} bytes`,
        );
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        // Synchronous pread: readers make many small reads, and a thread-pool round trip per read
        // cost more than the read itself (the ext4 walk spent most of its time there).
        const bytesRead = readSync(file.fd, buf, done, length - done, offset + done);
        if (bytesRead === 0)
          throw new ImageFormatError(path, "read range", offset + done, "more bytes (file shrank)");
        done += bytesRead;
      }
      return buf;
    },
    close: () => file.close(),
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
