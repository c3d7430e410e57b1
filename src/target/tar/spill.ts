import { closeSync, mkdtempSync, openSync, rmSync, write } from "node:fs";
import path from "node:path";

/** Writes are batched to this size: few syscalls, bounded memory. */
const BATCH = 1024 * 1024;

/**
 * A temporary file holding the data of a compressed archive's regular files, written once
 * during indexing and read at offsets afterwards. Lives in its own mkdtemp folder, removed on close.
 * Made synchronously: an early decompression (early.ts) makes one before the scan's modules load.
 */
export class SpillFile {
  /** Offset the next appended byte will have. */
  position = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private written = 0;
  private closed = false;

  private constructor(
    private readonly dir: string,
    /** The file, open for reading and writing. */
    readonly fd: number,
  ) {}

  static create(tmpDir: string): SpillFile {
    const dir = mkdtempSync(path.join(tmpDir, "amigate-tar-"));
    try {
      return new SpillFile(dir, openSync(path.join(dir, "data"), "w+", 0o600));
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
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
      done += await new Promise<number>((resolve, reject) =>
        write(this.fd, buf, done, buf.length - done, this.written + done, (e, n) =>
          e ? reject(e) : resolve(n),
        ),
      );
    }
    this.written += buf.length;
  }

  /** Closes and removes the file; synchronous, so that a process's exit handler can call it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    try {
      closeSync(this.fd);
    } catch {
      // Already closed: only the folder is left to remove.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
