import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, promises as fsp } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { BlobDigestError } from "./blob-verify.js";

/**
 * Writes `body` to a new private file (0600), hashing it on the way. `tooLong` is thrown as soon
 * as more than `maxBytes` have arrived, so a body past its bound is never written whole.
 */
export async function receiveFile(
  body: AsyncIterable<Uint8Array>,
  file: string,
  bound?: { maxBytes: number; tooLong: () => Error },
): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  await pipeline(
    body,
    async function* (source: AsyncIterable<Uint8Array>) {
      for await (const chunk of source) {
        size += chunk.length;
        if (bound && size > bound.maxBytes) throw bound.tooLong();
        hash.update(chunk);
        yield chunk;
      }
    },
    createWriteStream(file, { mode: 0o600 }),
  );
  return { sha256: hash.digest("hex"), size };
}

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
  try {
    const { sha256, size } = await receiveFile(body, tmp);
    if (expectedSha256 !== undefined && sha256 !== expectedSha256)
      throw new BlobDigestError(`body digest ${sha256} differs from the signed x-amz-content-sha256`);
    await vet?.(tmp);
    return await keep(tmp, { sha256, size });
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}
