import { promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";

/** Writes are batched to this size: few syscalls, bounded memory. */
const BATCH = 1024 * 1024;

/**
 * A temporary file holding the data of a compressed archive's regular files, written once
 * during indexing and read at offsets afterwards. Lives in its own mkdtemp folder, removed on close.
 */
export class SpillFile {
  /** Offset the next appended byte will have. */
  position = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private written = 0;

  private constructor(
    private readonly dir: string,
    readonly handle: FileHandle,
  ) {}

  static async create(tmpDir: string): Promise<SpillFile> {
    const dir = await fsp.mkdtemp(path.join(tmpDir, "amigate-tar-"));
    try {
      return new SpillFile(dir, await fsp.open(path.join(dir, "data"), "w+", 0o600));
    } catch (e) {
      await fsp.rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  async append(chunk: Buffer): Promise<void> {
    // Decompressors hand out fresh buffers (zstd's are copied in decompress.ts), so no copy here.
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.position += chunk.length;
    if (this.pendingBytes >= BATCH) await this.flush();
  }

  async finish(): Promise<void> {
    await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const buf = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.handle.write(buf, done, buf.length - done, this.written + done);
      done += bytesWritten;
    }
    this.written += buf.length;
  }

  async close(): Promise<void> {
    this.pending = [];
    await this.handle.close().catch(() => {});
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}
