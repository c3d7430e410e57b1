import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { type ByteSource, checkReadRange } from "./bytes.js";
import { ImageFormatError, TargetError } from "./errors.js";

/** A plain file (or block device) as a ByteSource. */
export async function openFileByteSource(path: string): Promise<ByteSource> {
  let fd: number;
  let size: number;
  try {
    // O_NONBLOCK: a FIFO named as a target must never block the opener (callers check the type).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TargetError(path, code === "ENOENT" ? "no such file" : `cannot open (${code ?? "EIO"})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() && !st.isBlockDevice())
      throw new TargetError(path, "not a regular file or block device");
    size = st.size;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fdByteSource(fd, path, size);
}

/**
 * An open file descriptor as a ByteSource; closing the source closes the descriptor. `description`
 * names it in errors.
 */
export function fdByteSource(fd: number, description: string, size: number): ByteSource {
  let open = true;
  const checkRange = (offset: number, length: number) =>
    checkReadRange(description, size, offset, length, "the file's");
  const fill = (offset: number, buf: Buffer) => {
    let done = 0;
    while (done < buf.length) {
      // Synchronous pread: readers make many small reads, and a thread-pool round trip per read
      // cost more than the read itself (the ext4 walk spent most of its time there).
      const bytesRead = readSync(fd, buf, done, buf.length - done, offset + done);
      if (bytesRead === 0)
        throw new ImageFormatError(description, "read range", offset + done, "more bytes (file shrank)");
      done += bytesRead;
    }
  };
  return {
    description,
    size,
    hostFile: { fd, offset: 0 },
    async read(offset: number, length: number): Promise<Buffer> {
      checkRange(offset, length);
      const buf = Buffer.allocUnsafe(length);
      fill(offset, buf);
      return buf;
    },
    async readInto(offset: number, target: Buffer): Promise<void> {
      checkRange(offset, target.length);
      fill(offset, target);
    },
    async close(): Promise<void> {
      if (open) {
        open = false;
        closeSync(fd);
      }
    },
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
