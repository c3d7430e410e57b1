import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, promises as fsp } from "node:fs";
import path from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BlobStore } from "./types.js";

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class BlobDigestError extends Error {
  override readonly name = "BlobDigestError";
}

/** Blobs as files named by their SHA-256 under <dataDir>/blobs/ab/abcdef…. */
export class FolderBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  private pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new BlobDigestError(`not a SHA-256 digest: ${sha256.slice(0, 80)}`);
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  localPath(sha256: string): string {
    return this.pathOf(sha256);
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      await fsp.access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async put(
    body: AsyncIterable<Uint8Array>,
    expectedSha256?: string,
    vet?: (file: string) => Promise<void>,
  ): Promise<{ sha256: string; size: number }> {
    const tmpDir = path.join(this.dir, "tmp");
    await fsp.mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, randomBytes(8).toString("hex"));
    const hash = createHash("sha256");
    let size = 0;
    try {
      await pipeline(
        body,
        async function* (source: AsyncIterable<Uint8Array>) {
          for await (const chunk of source) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmp, { mode: 0o600 }),
      );
      const sha256 = hash.digest("hex");
      if (expectedSha256 !== undefined && sha256 !== expectedSha256)
        throw new BlobDigestError(`body digest ${sha256} differs from the signed x-amz-content-sha256`);
      await vet?.(tmp);
      const final = this.pathOf(sha256);
      await fsp.mkdir(path.dirname(final), { recursive: true });
      await fsp.rename(tmp, final);
      return { sha256, size };
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  /**
   * Hashes while streaming and holds the last chunk back until the digest is checked, so a
   * corrupted blob ends in an error (a short body) instead of being delivered whole.
   */
  async open(sha256: string): Promise<Readable> {
    const file = this.pathOf(sha256);
    await fsp.access(file);
    const hash = createHash("sha256");
    let held: Buffer | undefined;
    const verify = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        const out = held;
        held = chunk;
        done(null, out);
      },
      flush(done) {
        const got = hash.digest("hex");
        if (got !== sha256) done(new BlobDigestError(`blob ${sha256} is corrupt on disk (digest ${got})`));
        else done(null, held);
      },
    });
    const source = createReadStream(file);
    source.on("error", (e) => verify.destroy(e));
    return source.pipe(verify);
  }
}
