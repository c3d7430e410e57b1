/**
 * `amigate serve --blobs s3://…` against a real S3-protocol server (s3rver, a child process on
 * 127.0.0.1): a pushed disk is stored in the bucket, scanned by ranged reads with the same findings
 * as a local scan, and pulled back byte for byte; a pushed archive is fetched for its scan and the
 * fetched copy removed. Nothing of either lands in the data directory.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type S3Server, startS3 } from "../../test/support/s3-server.js";
import {
  amigate,
  createAccount,
  type Keys,
  type ServerProcess,
  startServer,
  waitForScan,
} from "../../test/support/server-process.js";
import { diskFixtures } from "../container/disk/testing.js";
import { sha256File } from "./client.js";
import { blobKey } from "./store/s3-location.js";

// Built here when no earlier test has built it: a missing disk must not skip the suite.
const DISK = path.join(diskFixtures(), "gpt.qcow2");

let s3: S3Server;
let server: ServerProcess;
let acme: Keys;
const BUCKET = "amigate-e2e";

before(async () => {
  s3 = await startS3("s3rver");
  Object.assign(process.env, s3.env);
  await s3.bucket(BUCKET);
  const blobs = `s3://${BUCKET}/catalogue/?region=us-east-1&endpoint=${encodeURIComponent(s3.endpoint)}&path-style=true`;
  server = await startServer(undefined, ["--blobs", blobs, "--gate-severity", "critical"]);
  acme = createAccount(server.dataDir, "acme");
});
after(async () => {
  await server?.stop();
  await s3?.stop();
});

const tenant = () => ({ AWS_ACCESS_KEY_ID: acme.accessKeyId, AWS_SECRET_ACCESS_KEY: acme.secretAccessKey });
type Report = { findings: Array<{ rule: string; path?: string }>; passed: boolean };
const findingsOf = (r: Report) => r.findings.map((f) => `${f.rule} ${f.path ?? ""}`).sort();
const localScan = (target: string): Report => {
  try {
    return JSON.parse(amigate(["scan", target, "--format", "json", "--as-of", "2026-03-01"])) as Report;
  } catch (e) {
    // Exit 1: the scan failed the image; the report is on stdout all the same.
    return JSON.parse((e as { stdout: string }).stdout) as Report;
  }
};

function push(file: string, name: string): { imageId: string; sha256: string } {
  return JSON.parse(
    amigate(["push", file, "--name", name, "--endpoint", server.url, "--json"], tenant()),
  ) as {
    imageId: string;
    sha256: string;
  };
}

function localBlobs(): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!/catalogue\.db|secret\.key/.test(e.name)) found.push(path.relative(server.dataDir, p));
    }
  };
  walk(server.dataDir);
  return found;
}

describe("serve --blobs s3:// (s3rver)", () => {
  test("a pushed disk is kept in the bucket, scanned by range like a local scan, and pulled back whole", async () => {
    const { imageId } = push(DISK, "s3-disk");
    const scan = await waitForScan(server, acme, imageId);
    assert.equal(scan.status, "done", JSON.stringify(scan));
    const report = scan.report as Report;
    assert.deepEqual(findingsOf(report), findingsOf(localScan(DISK)));
    assert.ok(report.findings.length > 0);

    const { sha256, size } = await sha256File(DISK);
    const client = new S3Client({ region: "us-east-1", endpoint: s3.endpoint, forcePathStyle: true });
    const head = await client.send(
      new HeadObjectCommand({
        Bucket: BUCKET,
        Key: blobKey(
          { bucket: BUCKET, prefix: "catalogue/", region: "us-east-1", forcePathStyle: true },
          sha256,
        ),
      }),
    );
    assert.equal(head.ContentLength, size);

    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "amigate-s3pull-")), "disk.qcow2");
    amigate(["pull", imageId, "-o", out, "--endpoint", server.url], tenant());
    assert.ok(readFileSync(out).equals(readFileSync(DISK)));
    assert.deepEqual(localBlobs(), []);
  });

  test("a pushed archive is fetched for its scan, judged like a local scan, and the copy removed", async () => {
    const tree = mkdtempSync(path.join(os.tmpdir(), "amigate-s3tree-"));
    mkdirSync(path.join(tree, "etc"));
    writeFileSync(
      path.join(tree, "etc/os-release"),
      'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n',
    );
    writeFileSync(path.join(tree, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    writeFileSync(path.join(tree, "etc/shadow"), "root::19000:0:99999:7:::\n");
    const tar = path.join(tree, "..", `${path.basename(tree)}.tar`);
    execFileSync("tar", ["-C", tree, "-cf", tar, "."]);
    const { imageId } = push(tar, "s3-tar");
    const scan = await waitForScan(server, acme, imageId);
    assert.equal(scan.status, "done", JSON.stringify(scan));
    const report = scan.report as Report;
    assert.ok(report.findings.some((f) => f.rule === "root-password-blank"));
    assert.deepEqual(findingsOf(report), findingsOf(localScan(tar)));
    assert.doesNotMatch(
      JSON.stringify(report),
      new RegExp(server.dataDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
    );
    assert.deepEqual(localBlobs(), []);
  });
});
