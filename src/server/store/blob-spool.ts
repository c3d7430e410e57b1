import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, promises as fsp } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { BlobDigestError } from "./blob-verify.js";

/**
 * Receives an upload into a private file under `tmpDir`, hashing as it goes, then checks the digest
 * the client signed and runs `vet` on the file. `keep` is handed the file once it is accepted (it
 * renames or uploads it); the file is removed afterwards whatever happened.
 */
export async function spoolBlob<T>(
  tmpDir: string,
  body: AsyncIterable<Uint8Array>,
  expectedSha256: string | undefined,
  vet: ((file: string) => Promise<void>) | undefined,
  keep: (file: string, blob: { sha256: string; size: number }) => Promise<T>,
): Promise<T> {
  await fsp.mkdir(tmpDir, { recursive: true, mode: 0o700 });
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
    return await keep(tmp, { sha256, size });
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}
