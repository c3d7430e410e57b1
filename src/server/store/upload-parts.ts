/**
 * Upload parts' bytes beside the blobs, where every API node reads what another wrote: files under
 * the folder store's uploads/ subfolder, or objects under <prefix>uploads/ in the object store.
 * A part is named by its upload, number and SHA-256 (`<uploadId>/<nnnnn>.<sha256>`), so a part
 * sent again with other bytes never overwrites the one the database still names.
 */
import { createReadStream, promises as fsp } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { S3Location } from "./s3-location.js";

export interface UploadPartBytes {
  /** Keeps the received, checked file as the part (the file is consumed). */
  keep(uploadId: string, partNumber: number, sha256: string, file: string): Promise<void>;
  open(uploadId: string, partNumber: number, sha256: string): Promise<Readable>;
  /** Deletes the named parts; missing ones are no error. */
  delete(uploadId: string, parts: ReadonlyArray<{ partNumber: number; sha256: string }>): Promise<void>;
  /**
   * Deletes every part of the upload, also one a node kept but never recorded (it died between
   * the two): for a session finished, aborted or expired.
   */
  deleteUpload(uploadId: string): Promise<void>;
}

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** The upload's folder name, refusing anything that could name another path. */
function uploadFolder(uploadId: string): string {
  if (!UPLOAD_ID.test(uploadId)) throw new TypeError(`not an upload id: ${uploadId}`);
  return uploadId;
}

/** `<uploadId>/<nnnnn>.<sha256>`, refusing anything that could name another path. */
export function partName(uploadId: string, partNumber: number, sha256: string): string {
  if (!SHA256.test(sha256) || !Number.isInteger(partNumber) || partNumber < 1)
    throw new TypeError(`not an upload part: ${uploadId} ${partNumber} ${sha256}`);
  return `${uploadFolder(uploadId)}/${String(partNumber).padStart(5, "0")}.${sha256}`;
}

/** Parts as files under <blobs>/uploads/ (a shared folder when the blobs folder is shared). */
export class FolderUploadParts implements UploadPartBytes {
  constructor(readonly dir: string) {}

  async keep(uploadId: string, partNumber: number, sha256: string, file: string): Promise<void> {
    const to = path.join(this.dir, partName(uploadId, partNumber, sha256));
    await fsp.mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
    await fsp.rename(file, to).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== "EXDEV") throw e;
      await fsp.copyFile(file, to);
      await fsp.rm(file, { force: true });
    });
  }

  async open(uploadId: string, partNumber: number, sha256: string): Promise<Readable> {
    const file = path.join(this.dir, partName(uploadId, partNumber, sha256));
    await fsp.access(file);
    return createReadStream(file, { highWaterMark: 1024 * 1024 });
  }

  async delete(
    uploadId: string,
    parts: ReadonlyArray<{ partNumber: number; sha256: string }>,
  ): Promise<void> {
    for (const p of parts)
      await fsp.rm(path.join(this.dir, partName(uploadId, p.partNumber, p.sha256)), { force: true });
  }

  async deleteUpload(uploadId: string): Promise<void> {
    await fsp.rm(path.join(this.dir, uploadFolder(uploadId)), { recursive: true, force: true });
  }
}

/** Parts as objects under <prefix>uploads/ in the blobs' bucket. */
export class S3UploadParts implements UploadPartBytes {
  constructor(
    private readonly client: S3Client,
    private readonly location: S3Location,
  ) {}

  private key(uploadId: string, partNumber: number, sha256: string): string {
    return `${this.location.prefix}uploads/${partName(uploadId, partNumber, sha256)}`;
  }

  async keep(uploadId: string, partNumber: number, sha256: string, file: string): Promise<void> {
    const size = (await fsp.stat(file)).size;
    try {
      await new Upload({
        client: this.client,
        params: {
          Bucket: this.location.bucket,
          Key: this.key(uploadId, partNumber, sha256),
          Body: createReadStream(file, { highWaterMark: 1024 * 1024 }),
          ContentLength: size,
          ContentType: "application/octet-stream",
        },
        partSize: 16 * 1024 * 1024,
        queueSize: 2,
        leavePartsOnError: false,
      }).done();
    } finally {
      await fsp.rm(file, { force: true });
    }
  }

  async open(uploadId: string, partNumber: number, sha256: string): Promise<Readable> {
    const r = await this.client.send(
      new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(uploadId, partNumber, sha256) }),
    );
    return r.Body as Readable;
  }

  async delete(
    uploadId: string,
    parts: ReadonlyArray<{ partNumber: number; sha256: string }>,
  ): Promise<void> {
    for (let i = 0; i < parts.length; i += 1000) {
      const batch = parts.slice(i, i + 1000);
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.location.bucket,
          Delete: {
            Objects: batch.map((p) => ({ Key: this.key(uploadId, p.partNumber, p.sha256) })),
            Quiet: true,
          },
        }),
      );
    }
  }

  async deleteUpload(uploadId: string): Promise<void> {
    const prefix = `${this.location.prefix}uploads/${uploadFolder(uploadId)}/`;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.location.bucket,
          Prefix: prefix,
          ...(token !== undefined ? { ContinuationToken: token } : {}),
        }),
      );
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key !== undefined ? [{ Key: o.Key }] : []));
      if (keys.length > 0)
        await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: keys, Quiet: true } }),
        );
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }
}
