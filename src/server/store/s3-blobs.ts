/**
 * Blobs in an S3-compatible object store (`serve --blobs s3://…`): AWS S3, MinIO, Ceph. Uploads are
 * received into a private local file first (hashed, the signed digest checked, vetted), then sent
 * as a multipart upload; reads stream through a SHA-256 check; scans read by range (s3-byte-source).
 */
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { spoolBlob } from "./blob-spool.js";
import { BlobDigestError, checkDigest, verifying } from "./blob-verify.js";
import { blobKey, type S3Location } from "./s3-location.js";
import type { BlobStore } from "./types.js";
import { S3UploadParts } from "./upload-parts.js";

/** Part size of multipart uploads: 10 000 parts (S3's limit) of 16 MiB cover 156 GiB. */
const PART_SIZE = 16 * 1024 * 1024;

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === "NotFound" || err.name === "NoSuchKey" || err.$metadata?.httpStatusCode === 404;
}

export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  /** Upload parts under <prefix>uploads/. */
  readonly parts: S3UploadParts;

  /** `spoolDir`: a local folder for uploads in flight (the data directory's tmp/). */
  constructor(
    readonly location: S3Location,
    private readonly spoolDir: string,
    client?: S3Client,
  ) {
    this.client = client ?? s3Client(location);
    this.parts = new S3UploadParts(this.client, location);
  }

  private key(sha256: string): string {
    checkDigest(sha256);
    return blobKey(this.location, sha256);
  }

  localPath(): undefined {
    return undefined;
  }

  remote(sha256: string): S3Location {
    checkDigest(sha256);
    return this.location;
  }

  async exists(sha256: string): Promise<boolean> {
    return (await this.head(sha256)) !== undefined;
  }

  private async head(sha256: string): Promise<{ size: number; sha256?: string } | undefined> {
    try {
      const h = await this.client.send(
        new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(sha256) }),
      );
      return { size: h.ContentLength ?? 0, ...(h.Metadata?.sha256 ? { sha256: h.Metadata.sha256 } : {}) };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async put(
    body: AsyncIterable<Uint8Array>,
    expectedSha256?: string,
    vet?: (file: string) => Promise<void>,
  ): Promise<{ sha256: string; size: number }> {
    return spoolBlob(this.spoolDir, body, expectedSha256, vet, async (file, blob) => {
      const there = await this.head(blob.sha256);
      // Content-addressed: the same digest stored whole is the same bytes.
      if (there?.size === blob.size) return blob;
      await new Upload({
        client: this.client,
        params: {
          Bucket: this.location.bucket,
          Key: this.key(blob.sha256),
          Body: createReadStream(file, { highWaterMark: 1024 * 1024 }),
          ContentLength: blob.size,
          ContentType: "application/octet-stream",
          Metadata: { sha256: blob.sha256 },
        },
        partSize: PART_SIZE,
        queueSize: 2,
        leavePartsOnError: false,
      }).done();
      const stored = await this.head(blob.sha256);
      if (stored?.size !== blob.size)
        throw new BlobDigestError(
          `blob ${blob.sha256}: the object store holds ${stored?.size ?? "nothing"} bytes, not ${blob.size}`,
        );
      return blob;
    });
  }

  async open(sha256: string): Promise<Readable> {
    let r: GetObjectCommandOutput;
    try {
      r = await this.client.send(
        new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(sha256) }),
      );
    } catch (e) {
      if (isNotFound(e))
        throw Object.assign(new Error(`blob ${sha256} is not in the object store`), { code: "ENOENT" });
      throw e;
    }
    return verifying(r.Body as Readable, sha256, "in the object store");
  }
}

export function s3Client(at: S3Location): S3Client {
  // The SDK warns once per process that it will want Node 22 in 2027; amigate states its own engines.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  return new S3Client({
    region: at.region,
    ...(at.endpoint !== undefined ? { endpoint: at.endpoint } : {}),
    forcePathStyle: at.forcePathStyle,
    // S3-compatible servers (MinIO, Ceph, older gateways) do not all take the SDK's default
    // trailing checksums; amigate checks SHA-256 itself on every read.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}
