import { open } from "node:fs/promises";

/** The first `length` bytes of the host file `file` (fewer when it is shorter). */
export async function readFileStart(file: string, length: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(length);
    return buf.subarray(0, (await handle.read(buf, 0, length, 0)).bytesRead);
  } finally {
    await handle.close();
  }
}
