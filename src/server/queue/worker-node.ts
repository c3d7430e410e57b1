/**
 * `amigate worker`: a process that only scans. It opens the catalogue's PostgreSQL database (no
 * access key is ever read here, so it needs no secret.key), the blob store the API nodes use, and
 * the job queue, and runs scan jobs and re-judging slices until closed.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Severity } from "../../policy/severity.js";
import type { ScanBudget } from "../scans.js";
import { openBlobStore } from "../store/open-blobs.js";
import { PostgresStore } from "../store/postgres.js";
import type { S3Location } from "../store/s3-location.js";
import { SecretBox } from "../store/secret-box.js";
import { PgBossQueue } from "./pg-boss-queue.js";
import { startRejudgeWorker } from "./rejudge-jobs.js";
import { startScanWorker } from "./scan-jobs.js";

export interface ScanWorkerNodeOptions {
  /** Spool space for archives fetched from an object store (tmp/), and blobs/ when there is none. */
  dataDir: string;
  /** postgres://… */
  database: string;
  blobs?: S3Location;
  slots: number;
  budget: ScanBudget;
  failOn: Severity;
  vulnDb?: string;
  log?: (line: string) => void;
}

export async function openScanWorker(o: ScanWorkerNodeOptions): Promise<{ close(): Promise<void> }> {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const spoolDir = path.join(o.dataDir, "tmp");
  const blobs = await openBlobStore(o.blobs, o.dataDir, spoolDir);
  const store = await PostgresStore.open(o.database, SecretBox.withoutKey());
  try {
    const queue = await PgBossQueue.open(o.database);
    const worker = await startScanWorker(store, blobs, queue, {
      slots: o.slots,
      budget: o.budget,
      failOn: o.failOn,
      spoolDir,
      ...(o.vulnDb !== undefined ? { vulnDb: o.vulnDb } : {}),
      ...(o.log ? { log: o.log } : {}),
    });
    // Re-judging passes share the queue: any worker takes the next slice.
    const rejudging = await startRejudgeWorker(store, queue, {
      ...(o.vulnDb !== undefined ? { vulnDb: o.vulnDb } : {}),
      ...(o.log ? { log: o.log } : {}),
    });
    return {
      async close() {
        rejudging.stop();
        await worker.stop();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
