import { createHash } from "node:crypto";
import { type Readable, Transform } from "node:stream";

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class BlobDigestError extends Error {
  override readonly name = "BlobDigestError";
}

/** Throws BlobDigestError unless `sha256` is a lowercase hex SHA-256 (it names files and keys). */
export function checkDigest(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) throw new BlobDigestError(`not a SHA-256 digest: ${sha256.slice(0, 80)}`);
}

/**
 * Passes `source` through, hashing, and holds the last chunk back until the digest is checked, so
 * a corrupted blob ends in an error (a short body) instead of being delivered whole. `where` says
 * where the bytes were kept ("on disk", "in the object store").
 */
export function verifying(source: Readable, sha256: string, where: string): Readable {
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
      if (got !== sha256) done(new BlobDigestError(`blob ${sha256} is corrupt ${where} (digest ${got})`));
      else done(null, held);
    },
  });
  source.on("error", (e) => verify.destroy(e));
  return source.pipe(verify);
}
