/**
 * One contract for every blob store: the local folder, and S3 over the protocol against real
 * servers on 127.0.0.1 (s3rver always; moto_server where this machine has it). Production S3 is
 * AWS S3, MinIO or Ceph (docs/deploy.md).
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { after, before, describe, test } from "node:test";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { haveMoto, type S3Server, type S3ServerKind, startS3 } from "../../../test/support/s3-server.js";
import { BlobDigestError, FolderBlobStore } from "./blobs.js";
import { S3BlobStore } from "./s3-blobs.js";
import { S3_BLOCK, s3ByteSource } from "./s3-byte-source.js";
import { blobKey } from "./s3-location.js";
import type { BlobStore } from "./types.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
async function* chunks(b: Buffer, size = 64 * 1024) {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

interface Backend {
  store: BlobStore;
  /** Replaces the stored bytes of a blob behind the store's back. */
  corrupt(sha256: string, bytes: Buffer): Promise<void>;
  /** Files left in the store's upload spool. */
  spooled(): string[];
}

function contract(name: string, open: () => Promise<Backend>, skip = false) {
  describe(`blob store contract: ${name}`, { skip }, () => {
    let b: Backend;
    before(async () => {
      b = await open();
    });

    test("put streams in, hashes, and open streams the same bytes back", async () => {
      const data = randomBytes(3 * 1024 * 1024 + 17);
      const got = await b.store.put(chunks(data));
      assert.deepEqual(got, { sha256: sha(data), size: data.length });
      assert.equal(await b.store.exists(got.sha256), true);
      assert.ok((await buffer(await b.store.open(got.sha256))).equals(data));
      assert.deepEqual(b.spooled(), []);
    });

    test("a body of more than one multipart part (16 MiB) arrives whole", async () => {
      const data = randomBytes(16 * 1024 * 1024 + 4096);
      const got = await b.store.put(chunks(data, 1024 * 1024));
      assert.ok((await buffer(await b.store.open(got.sha256))).equals(data));
    });

    test("the same bytes twice are one blob", async () => {
      const data = Buffer.from("same bytes twice");
      const one = await b.store.put(chunks(data));
      const two = await b.store.put(chunks(data));
      assert.deepEqual(one, two);
    });

    test("a digest other than the signed one is refused and nothing is kept", async () => {
      const data = Buffer.from("signed one thing, sent another");
      await assert.rejects(b.store.put(chunks(data), sha(Buffer.from("other"))), BlobDigestError);
      assert.equal(await b.store.exists(sha(data)), false);
      assert.deepEqual(b.spooled(), []);
    });

    test("a vet that throws refuses the upload and nothing is kept", async () => {
      const data = Buffer.from("refused by vetting");
      let vetted = "";
      await assert.rejects(
        b.store.put(chunks(data), undefined, async (file) => {
          vetted = file;
          throw new Error("names another file");
        }),
        /names another file/,
      );
      assert.ok(vetted !== "");
      assert.equal(await b.store.exists(sha(data)), false);
      assert.deepEqual(b.spooled(), []);
    });

    test("bytes changed in storage end the read in BlobDigestError", async () => {
      const data = randomBytes(200 * 1024);
      const { sha256 } = await b.store.put(chunks(data));
      const bad = Buffer.from(data);
      bad[100_000] = bad[100_000]! ^ 0xff;
      await b.corrupt(sha256, bad);
      await assert.rejects(buffer(await b.store.open(sha256)), BlobDigestError);
    });

    test("an unknown digest does not exist and does not open; a malformed one is refused", async () => {
      const missing = sha(Buffer.from("never stored"));
      assert.equal(await b.store.exists(missing), false);
      await assert.rejects(b.store.open(missing), (e: NodeJS.ErrnoException) => e.code === "ENOENT");
      await assert.rejects(async () => b.store.open("../../etc/passwd"), BlobDigestError);
    });
  });
}

const folderDir = mkdtempSync(path.join(os.tmpdir(), "amigate-blobs-"));
after(() => rmSync(folderDir, { recursive: true, force: true }));
contract("folder", async () => {
  const store = new FolderBlobStore(folderDir);
  return {
    store,
    corrupt: async (sha256, bytes) => writeFileSync(store.localPath(sha256), bytes),
    spooled: () => readdirSync(path.join(folderDir, "tmp")),
  };
});

const servers: S3Server[] = [];
after(async () => {
  for (const s of servers) await s.stop();
});

async function s3Backend(kind: S3ServerKind): Promise<Backend & { server: S3Server; s3: S3BlobStore }> {
  const server = await startS3(kind);
  servers.push(server);
  Object.assign(process.env, server.env);
  const at = await server.bucket(`amigate-${kind}`, "catalogue/");
  const spool = mkdtempSync(path.join(os.tmpdir(), "amigate-spool-"));
  const s3 = new S3BlobStore(at, spool);
  return {
    server,
    s3,
    store: s3,
    corrupt: async (sha256, bytes) => {
      await s3.client.send(
        new PutObjectCommand({ Bucket: at.bucket, Key: blobKey(at, sha256), Body: bytes }),
      );
    },
    spooled: () => readdirSync(spool),
  };
}

contract("S3 (s3rver)", () => s3Backend("s3rver"));
contract("S3 (moto_server)", () => s3Backend("moto"), !haveMoto);

describe("a blob read by range (s3rver)", () => {
  test("reads equal the bytes at every offset tried, and fetch only the blocks touched", async () => {
    const b = await s3Backend("s3rver");
    const data = randomBytes(8 * S3_BLOCK + 12345);
    const { sha256, size } = await b.store.put(chunks(data));
    const source = s3ByteSource(b.s3.client, b.s3.location, sha256, size, "test blob");
    const spots: Array<[number, number]> = [
      [0, 512],
      [S3_BLOCK - 3, 10],
      [5 * S3_BLOCK + 7, 2 * S3_BLOCK],
      [size - 100, 100],
      [4096, 4096],
    ];
    for (const [offset, length] of spots)
      assert.ok(
        (await source.read(offset, length)).equals(data.subarray(offset, offset + length)),
        `${offset}+${length}`,
      );
    // Blocks 0, 1, 5, 6, 7 and the short last one (8): 2 and 3 and 4 are never fetched.
    assert.equal(source.fetched, 5 * S3_BLOCK + (size - 8 * S3_BLOCK));
    await assert.rejects(source.read(size - 10, 11), /read range/);
    await source.close();
  });
});
