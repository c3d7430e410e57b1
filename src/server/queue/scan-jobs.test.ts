/**
 * Scans through a job queue (scan-jobs.ts) on a real SQLite store, a folder of blobs and the
 * in-process queue (the PostgreSQL queue has the same contract: queue.test.ts; the cluster test
 * runs this path on pg-boss across processes). A queued scan carries the API node's failOn, a
 * job whose attempts all fail becomes a failed scan naming why, and an unfinished scan the queue
 * does not know is queued when a worker starts.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { after, test } from "node:test";
import { testImage, withStores } from "../../../test/support/store.js";
import { FolderBlobStore } from "../store/blobs.js";
import type { Store } from "../store/types.js";
import { JOB_ATTEMPTS } from "./jobs.js";
import { MemoryQueue } from "./memory-queue.js";
import { QueuedScans, SCAN_EXPIRY_MARGIN_S, scanJobExpiry, startScanWorker } from "./scan-jobs.js";

const BUDGET = { timeoutMs: 60_000, memoryMb: 256 };

/** Temp dirs and files of this file, removed at the end. */
const made: string[] = [];
after(() => {
  for (const p of made) rmSync(p, { recursive: true, force: true });
});
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
};

/** A tar of a tiny Debian tree whose root has no password (root-password-blank, critical). */
function blankRootTar(): string {
  const tree = tempDir("amigate-scanjob-");
  mkdirSync(path.join(tree, "etc"));
  writeFileSync(
    path.join(tree, "etc/os-release"),
    'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n',
  );
  writeFileSync(path.join(tree, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
  writeFileSync(path.join(tree, "etc/shadow"), "root::19000:0:99999:7:::\n");
  const tar = `${tree}.tar`;
  execFileSync("tar", ["-C", tree, "-cf", tar, "."]);
  made.push(tar);
  return tar;
}

async function until(what: string, test: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** An owner and a pending image of the tar, its blob in `blobs`. */
async function pushedImage(store: Store, blobs: FolderBlobStore): Promise<string> {
  const owner = (await store.createAccount({})).account.accountId;
  const blob = await blobs.put(Readable.from([readFileSync(blankRootTar())]));
  await store.recordBlob({ ...blob, uploadedBy: owner });
  const image = testImage(owner, "queued", { blob, state: "pending" });
  await store.insertImage(image, []);
  return image.imageId;
}

test("a job's expiry is its scan budget plus the margin for stopping and recording", () => {
  assert.equal(scanJobExpiry(300_000), 300 + SCAN_EXPIRY_MARGIN_S);
  assert.equal(scanJobExpiry(1), 1 + SCAN_EXPIRY_MARGIN_S);
  assert.equal(scanJobExpiry(10 * 86_400_000), 23 * 3600, "pg-boss takes less than a day");
});

test("a queued scan runs on a worker with the queueing node's failOn, and its verdict is recorded", async () => {
  await withStores(async (open) => {
    const store = open();
    const blobs = new FolderBlobStore(tempDir("amigate-blobs-"));
    const imageId = await pushedImage(store, blobs);
    const queue = new MemoryQueue();
    const lines: string[] = [];
    const worker = await startScanWorker(store, blobs, queue, {
      slots: 1,
      budget: BUDGET,
      failOn: "high",
      spoolDir: os.tmpdir(),
      log: (l) => lines.push(l),
    });
    await new QueuedScans(store, queue, { failOn: "critical", timeoutMs: 120_000 }).schedule(imageId);
    await queue.idle();
    const scan = (await store.latestScan(imageId))!;
    assert.equal(scan.status, "done", scan.error);
    const report = JSON.parse(scan.report!) as { failOn: string; findings: Array<{ rule: string }> };
    assert.equal(report.failOn, "critical");
    assert.ok(report.findings.some((f) => f.rule === "root-password-blank"));
    assert.equal((await store.image(imageId))!.state, "available");
    assert.deepEqual(lines, [
      `scanning ${imageId} (scan ${scan.scanId}, attempt 1)`,
      `scanned ${imageId} (scan ${scan.scanId})`,
    ]);
    assert.equal(await queue.state("scan", String(scan.scanId)), "ended");
    await worker.stop();
  });
});

test("a job whose every attempt fails becomes a failed scan naming why; the image leaves pending", async () => {
  await withStores(async (open) => {
    const real = open();
    let attempts = 0;
    // The store refuses to mark the scan running: an attempt that throws, as a lost database would.
    const store = new Proxy(real, {
      get(target, p) {
        if (p === "updateScan")
          return async (scanId: number, patch: { status?: string }) => {
            if (patch.status === "running") {
              attempts++;
              throw new Error("connection terminated unexpectedly");
            }
            return target.updateScan(scanId, patch as never);
          };
        const v = Reflect.get(target, p, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const blobs = new FolderBlobStore(tempDir("amigate-blobs-"));
    const imageId = await pushedImage(store, blobs);
    const queue = new MemoryQueue();
    const worker = await startScanWorker(store, blobs, queue, {
      slots: 1,
      budget: BUDGET,
      failOn: "high",
      spoolDir: os.tmpdir(),
    });
    await new QueuedScans(store, queue, { failOn: "high", timeoutMs: 60_000 }).schedule(imageId);
    await until("the failed scan", async () => (await store.latestScan(imageId))?.status === "failed");
    const scan = (await store.latestScan(imageId))!;
    assert.equal(attempts, JOB_ATTEMPTS);
    assert.equal(
      scan.error,
      `scan abandoned after ${JOB_ATTEMPTS} attempts: connection terminated unexpectedly`,
    );
    assert.ok(scan.finishedAt);
    assert.equal((await store.image(imageId))!.state, "available");
    await worker.stop();
  });
});

test("a worker starting queues the unfinished scans the queue does not know, and runs them", async () => {
  await withStores(async (open) => {
    const store = open();
    const blobs = new FolderBlobStore(tempDir("amigate-blobs-"));
    const imageId = await pushedImage(store, blobs);
    // A node that stopped between the record and its job (or a catalogue that scanned in-process).
    const orphan = await store.createScan(imageId);
    const queue = new MemoryQueue();
    const lines: string[] = [];
    const worker = await startScanWorker(store, blobs, queue, {
      slots: 1,
      budget: BUDGET,
      failOn: "medium",
      spoolDir: os.tmpdir(),
      log: (l) => lines.push(l),
      sweepAfterMs: 0,
    });
    await queue.idle();
    const scan = (await store.latestScan(imageId))!;
    assert.equal(scan.scanId, orphan.scanId);
    assert.equal(scan.status, "done", scan.error);
    assert.equal((JSON.parse(scan.report!) as { failOn: string }).failOn, "medium");
    assert.equal(lines[0], `queueing scan ${orphan.scanId} of ${imageId}, which had no job`);
    await worker.stop();
  });
});

test("a scan recorded moments ago is left to the API node queueing it, with that node's settings", async () => {
  await withStores(async (open) => {
    const store = open();
    const blobs = new FolderBlobStore(tempDir("amigate-blobs-"));
    const imageId = await pushedImage(store, blobs);
    const fresh = await store.createScan(imageId);
    const queue = new MemoryQueue();
    const worker = await startScanWorker(store, blobs, queue, {
      slots: 1,
      budget: BUDGET,
      failOn: "medium",
      spoolDir: os.tmpdir(),
    });
    assert.equal(await queue.state("scan", String(fresh.scanId)), "none");
    assert.equal((await store.latestScan(imageId))?.status, "pending");
    await worker.stop();
  });
});
