import { createReadStream, promises as fsp } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { spoolBlob } from "./blob-spool.js";
import { checkDigest, verifying } from "./blob-verify.js";
import type { BlobStore } from "./types.js";
import { FolderUploadParts } from "./upload-parts.js";

export { BlobDigestError } from "./blob-verify.js";

/** Blobs as files named by their SHA-256 under <dataDir>/blobs/ab/abcdef…. */
export class FolderBlobStore implements BlobStore {
  /** Upload parts in <dir>/uploads/ (no digest's two-digit folder has that name). */
  readonly parts: FolderUploadParts;

  constructor(private readonly dir: string) {
    this.parts = new FolderUploadParts(path.join(dir, "uploads"));
  }

  private pathOf(sha256: string): string {
    checkDigest(sha256);
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
    return spoolBlob(path.join(this.dir, "tmp"), body, expectedSha256, vet, async (file, blob) => {
      const final = this.pathOf(blob.sha256);
      await fsp.mkdir(path.dirname(final), { recursive: true });
      await fsp.rename(file, final);
      return blob;
    });
  }

  /** Streams the blob, ending in BlobDigestError if the bytes on disk no longer match. */
  async open(sha256: string): Promise<Readable> {
    const file = this.pathOf(sha256);
    await fsp.access(file);
    return verifying(createReadStream(file), sha256, "on disk");
  }
}
