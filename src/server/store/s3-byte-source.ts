/**
 * A blob in an object store as a ByteSource: reads become ranged GETs of whole aligned blocks,
 * kept in a small LRU, so a disk scan fetches the blocks its readers touch and not the image.
 */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type ByteSource, checkReadRange } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";
import { blobKey, type S3Location } from "./s3-location.js";

export const S3_BLOCK = 1024 * 1024;
/** Blocks kept: bounds the memory a scan spends on cached object bytes (32 MiB). */
const CACHED_BLOCKS = 32;

export interface S3ByteSource extends ByteSource {
  /** Bytes fetched from the store so far (what the scan cost in transfer). */
  readonly fetched: number;
}

export function s3ByteSource(
  client: S3Client,
  at: S3Location,
  sha256: string,
  size: number,
  description: string,
): S3ByteSource {
  const key = blobKey(at, sha256);
  const cache = new Map<number, Buffer>();
  let fetched = 0;

  async function fetchBlocks(first: number, last: number): Promise<void> {
    const start = first * S3_BLOCK;
    const end = Math.min(size, (last + 1) * S3_BLOCK) - 1;
    const r = await client.send(
      new GetObjectCommand({ Bucket: at.bucket, Key: key, Range: `bytes=${start}-${end}` }),
    );
    const bytes = Buffer.from(await r.Body!.transformToByteArray());
    if (bytes.length !== end - start + 1)
      throw new ImageFormatError(
        description,
        "ranged read",
        start,
        `${end - start + 1} bytes (got ${bytes.length})`,
      );
    fetched += bytes.length;
    for (let b = first; b <= last; b++) {
      remember(b, bytes.subarray((b - first) * S3_BLOCK, (b - first + 1) * S3_BLOCK));
    }
  }

  function remember(block: number, bytes: Buffer): void {
    cache.delete(block);
    cache.set(block, bytes);
    while (cache.size > CACHED_BLOCKS) cache.delete(cache.keys().next().value!);
  }

  return {
    description,
    size,
    get fetched() {
      return fetched;
    },
    async read(offset: number, length: number): Promise<Buffer> {
      checkReadRange(description, size, offset, length, "the blob's");
      if (length === 0) return Buffer.alloc(0);
      const first = Math.floor(offset / S3_BLOCK);
      const last = Math.floor((offset + length - 1) / S3_BLOCK);
      // One GET per run of missing blocks, at most the cache's size at a time.
      let b = first;
      while (b <= last) {
        if (cache.has(b)) {
          b++;
          continue;
        }
        let end = b;
        while (end < last && !cache.has(end + 1) && end - b + 1 < CACHED_BLOCKS) end++;
        await fetchBlocks(b, end);
        b = end + 1;
      }
      const out = Buffer.allocUnsafe(length);
      let done = 0;
      for (let block = first; block <= last; block++) {
        let bytes = cache.get(block);
        if (!bytes) {
          // Evicted while a long read filled later blocks: fetch it again.
          await fetchBlocks(block, block);
          bytes = cache.get(block)!;
        } else remember(block, bytes);
        const from = block === first ? offset - first * S3_BLOCK : 0;
        const n = Math.min(bytes.length - from, length - done);
        bytes.copy(out, done, from, from + n);
        done += n;
      }
      return out;
    },
    async close(): Promise<void> {
      cache.clear();
    },
  };
}
