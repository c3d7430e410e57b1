/**
 * Resumable pushes behind a load balancer without sticky routing (docs/deploy.md): two real
 * `amigate serve` nodes on one PostgreSQL (a throwaway cluster) and one S3 (s3rver), a balancer
 * (test/support/balancer.ts) in front. Parts go to both nodes in turn and the upload completes on
 * the other one; a push killed against one node, run again against the other, sends only the
 * parts still missing. The pulled bytes are the file's.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { type Balancer, startBalancer } from "../../test/support/balancer.js";
import { startedCli } from "../../test/support/cli-child.js";
import { type PostgresCluster, postgresMissing, startPostgres } from "../../test/support/postgres.js";
import { type S3Server, startS3 } from "../../test/support/s3-server.js";
import {
  createAccount,
  type Keys,
  type ServerProcess,
  startServer,
} from "../../test/support/server-process.js";
import { vfatImagesPath } from "../../test/support/vfat-images.js";
import { s3Client } from "./store/s3-blobs.js";
import { parseS3Url } from "./store/s3-location.js";

const missing = postgresMissing();

const started = startedCli;

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 2400; i++) {
    if (done()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}

const isPart = (r: { method: string; path: string }) => r.method === "PUT" && r.path.includes("/parts/");
const numberOf = (r: { path: string }) => Number(/\/parts\/(\d+)$/.exec(r.path)![1]);

describe("resumable pushes across two API nodes (PostgreSQL + S3)", { skip: missing }, () => {
  let cluster: PostgresCluster;
  let s3: S3Server;
  const nodes: ServerProcess[] = [];
  let acme: Keys;
  let disk: string;
  let work: string;
  let blobsUrl: string;
  const dirs: string[] = [];

  before(async () => {
    cluster = await startPostgres();
    const url = await cluster.createDatabase();
    s3 = await startS3("s3rver");
    Object.assign(process.env, s3.env);
    await s3.bucket("amigate-uploads");
    blobsUrl = `s3://amigate-uploads/images/?region=us-east-1&endpoint=${encodeURIComponent(s3.endpoint)}&path-style=true`;
    // Every node has its own data dir and the same secret.key (docs/deploy.md).
    const key = `${randomBytes(32).toString("base64")}\n`;
    for (let i = 0; i < 2; i++) {
      const d = mkdtempSync(path.join(os.tmpdir(), `amigate-upnode${i}-`));
      writeFileSync(path.join(d, "secret.key"), key, { mode: 0o600 });
      dirs.push(d);
    }
    const args = ["--database", url, "--blobs", blobsUrl, "--gate-severity", "critical"];
    // One after the other: two nodes starting at once on an empty database is cluster.test.ts'
    // subject (and once here ended in "deadlock detected" from a start-up step outside the store).
    for (const d of dirs) nodes.push(await startServer(d, args));
    acme = createAccount(dirs[0]!, "acme", ["--database", url]);
    disk = path.join(vfatImagesPath(), "fat16.img");
    work = mkdtempSync(path.join(os.tmpdir(), "amigate-upcluster-"));
  });
  after(async () => {
    for (const n of nodes) await n.stop();
    await s3?.stop();
    cluster?.stop();
    for (const d of [...dirs, work]) if (d) rmSync(d, { recursive: true, force: true });
  });

  const env = (cache: string): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: work,
    AWS_ACCESS_KEY_ID: acme.accessKeyId,
    AWS_SECRET_ACCESS_KEY: acme.secretAccessKey,
    XDG_CACHE_HOME: cache,
    FORCE_COLOR: "0",
    NO_COLOR: "1",
  });
  const pushArgs = (name: string, endpoint: string) => [
    "push",
    disk,
    "--name",
    name,
    "--part-size",
    "1M",
    "--multipart-threshold",
    "1M",
    "--endpoint",
    endpoint,
    "--json",
  ];

  /** Keys left under the bucket's uploads/ prefix: none once every upload finished. */
  async function partObjects(): Promise<string[]> {
    const r = await s3Client(parseS3Url(blobsUrl)).send(
      new ListObjectsV2Command({ Bucket: "amigate-uploads", Prefix: "images/uploads/" }),
    );
    return (r.Contents ?? []).map((o) => o.Key ?? "");
  }

  async function pulledEqualsDisk(imageId: string, via: ServerProcess, cache: string): Promise<void> {
    const out = path.join(work, `${imageId}.img`);
    const pulled = await started(
      ["pull", imageId, "-o", out, "--accept-findings", "--endpoint", via.url],
      env(cache),
    ).done;
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.ok(readFileSync(out).equals(readFileSync(disk)));
  }

  test("parts sent to both nodes in turn, completed on the other node: the pulled bytes are the file's", async () => {
    let balancer: Balancer | undefined;
    try {
      balancer = await startBalancer(nodes.map((n) => n.url));
      const lb = balancer;
      let completes = 0;
      // Parts alternate; every complete goes to the node that did not take the last part.
      lb.route = (r) => {
        const parts = lb.routed.filter(isPart);
        if (isPart(r)) return parts.length % 2;
        if (r.path.endsWith("/complete")) return (completes++ + (parts.at(-1)?.node ?? 0) + 1) % 2;
        return 0;
      };
      const cache = path.join(work, "cache-alternate");
      const run = await started(pushArgs("alternate", lb.url), env(cache)).done;
      assert.equal(run.code, 0, run.stderr);
      const parts = lb.routed.filter(isPart);
      assert.equal(parts.length, 32);
      assert.ok(parts.every((p) => p.status === 200));
      assert.deepEqual(
        [0, 1].map((n) => parts.filter((p) => p.node === n).length),
        [16, 16],
      );
      const complete = lb.routed.filter((r) => r.path.endsWith("/complete"));
      assert.ok(complete.length >= 1);
      assert.ok(complete.some((c) => c.status === 200));
      const { imageId } = JSON.parse(run.stdout) as { imageId: string };
      // Pulled through node 1, which took half the parts only.
      await pulledEqualsDisk(imageId, nodes[1]!, cache);
      assert.deepEqual(await partObjects(), [], "the parts are deleted once assembled");
      // No node kept anything of the upload in its data dir.
      for (const d of dirs)
        assert.ok(!existsSync(path.join(d, "uploads")) || readdirSync(path.join(d, "uploads")).length === 0);
    } finally {
      await balancer?.close();
    }
  });

  test("a push killed against node 0, run again against node 1, sends only the missing parts", async () => {
    const toZero = await startBalancer([nodes[0]!.url]);
    const toOne = await startBalancer([nodes[1]!.url]);
    try {
      const cache = path.join(work, "cache-resume");
      // Five parts reach node 0; the sixth and later are held until the push is killed.
      toZero.hold = (r) => isPart(r) && toZero.routed.filter(isPart).length >= 5;
      const first = started(pushArgs("resumed", toZero.url), env(cache));
      await until(
        "five parts answered and one held",
        () => toZero.held.length > 0 && toZero.routed.filter(isPart).every((r) => r.status !== undefined),
      );
      first.child.kill("SIGKILL");
      assert.equal((await first.done).code, null);
      const before = toZero.routed.filter(isPart);
      assert.equal(before.length, 5);

      const second = await started(pushArgs("resumed", toOne.url), env(cache)).done;
      assert.equal(second.code, 0, second.stderr);
      const after = toOne.routed.filter(isPart);
      assert.ok(after.every((r) => r.status === 200));
      assert.equal(after.length, 27, "only the missing parts");
      assert.deepEqual(
        [...before, ...after].map(numberOf).sort((a, b) => a - b),
        Array.from({ length: 32 }, (_, i) => i + 1),
      );
      assert.equal(
        toOne.routed.filter((r) => r.method === "POST" && r.path === "/amigate/uploads").length,
        0,
      );
      const { imageId } = JSON.parse(second.stdout) as { imageId: string };
      await pulledEqualsDisk(imageId, nodes[0]!, cache);
      assert.deepEqual(await partObjects(), []);
    } finally {
      await toZero.close();
      await toOne.close();
    }
  });
});
