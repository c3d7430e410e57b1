import path from "node:path";
import { FolderBlobStore } from "./blobs.js";
import type { S3Location } from "./s3-location.js";
import type { BlobStore } from "./types.js";

/**
 * The blob store an API node or a worker uses: `<dataDir>/blobs`, or the object store `--blobs`
 * names (uploads in flight spool under `spoolDir`). The AWS SDK is loaded only for the latter.
 */
export async function openBlobStore(
  blobs: S3Location | undefined,
  dataDir: string,
  spoolDir: string,
): Promise<BlobStore> {
  if (!blobs) return new FolderBlobStore(path.join(dataDir, "blobs"));
  const { S3BlobStore } = await import("./s3-blobs.js");
  return new S3BlobStore(blobs, spoolDir);
}
