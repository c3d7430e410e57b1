/**
 * Scans through the job queue (a PostgreSQL catalogue): API nodes create the scan record and queue
 * a job (QueuedScans); workers — `amigate worker`, or serve itself unless --scan-workers 0 — take
 * jobs and run each in a worker thread within the scan budgets of scans.ts (startScanWorker). The
 * scan record is the verdict's home; the job only carries the work.
 */
import type { Severity } from "../../policy/severity.js";
import type { ScanScheduler } from "../ec2/context.js";
import { type ScanBudget, ScanRunner } from "../scans.js";
import type { BlobStore, Store } from "../store/types.js";
import { JOB_ATTEMPTS, type JobQueue, type ScanJobData } from "./jobs.js";
import { PgBossQueue } from "./pg-boss-queue.js";

/**
 * Beyond a scan's time budget, what its attempt may still take before the queue gives the job to
 * another worker: the thread's stop grace (scans.ts, 10 s) and the writes of the verdict.
 */
export const SCAN_EXPIRY_MARGIN_S = 30;
/** pg-boss refuses expiries of a day or more; a longer budget is cut to fit. */
const MAX_EXPIRY_S = 23 * 3600;

/** A scan job's visibility timeout for a scan time budget (ms). */
export function scanJobExpiry(timeoutMs: number): number {
  const budget = timeoutMs > 0 ? Math.ceil(timeoutMs / 1000) : MAX_EXPIRY_S;
  return Math.min(MAX_EXPIRY_S, budget + SCAN_EXPIRY_MARGIN_S);
}

/** The API side: a scan record, then its job (the key is the scan id, so a second queueing is a no-op). */
export class QueuedScans implements ScanScheduler {
  constructor(
    private readonly store: Store,
    private readonly queue: JobQueue,
    private readonly settings: { failOn: Severity; timeoutMs: number },
  ) {}

  async schedule(imageId: string): Promise<void> {
    const scan = await this.store.createScan(imageId);
    await queueScan(this.queue, { scanId: scan.scanId, imageId, ...this.settings });
  }
}

function queueScan(queue: JobQueue, data: ScanJobData): Promise<void> {
  return queue.enqueue("scan", data, {
    key: String(data.scanId),
    expireInSeconds: scanJobExpiry(data.timeoutMs),
  });
}

export interface ScanWorkerOptions {
  /** Scans run at once in this process (worker threads). */
  slots: number;
  /** This worker's budget; a job's own time budget, if shorter, wins (its expiry follows it). */
  budget: ScanBudget;
  vulnDb?: string;
  /** Where archives from an object store are fetched for their scan. */
  spoolDir: string;
  /** The report's failOn for scans queued without one (records left by an in-process catalogue). */
  failOn: Severity;
  /** Progress lines (stdout of `amigate worker`). */
  log?: (line: string) => void;
  /**
   * How old an unfinished scan must be before the sweep queues it (default a minute): a younger
   * one may be between its record and its job on an API node, whose job carries that node's settings.
   */
  sweepAfterMs?: number;
}

/** How often a worker looks for scans with no job (a node that died between record and job). */
const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * Takes scan jobs until stop(). A dead job (every attempt failed or expired) becomes a failed scan
 * naming why. At start and every few minutes, unfinished scans the queue does not know (left by a
 * node that stopped between creating the record and queueing it, or by an in-process catalogue)
 * are queued; a scan whose job ended without a verdict is marked failed.
 */
export async function startScanWorker(
  store: Store,
  blobs: BlobStore,
  queue: JobQueue,
  o: ScanWorkerOptions,
): Promise<{ stop(): Promise<void> }> {
  const log = o.log ?? (() => undefined);
  const runner = new ScanRunner(store, blobs, {
    workers: o.slots,
    failOn: o.failOn,
    budget: o.budget,
    ...(o.vulnDb !== undefined ? { vulnDb: o.vulnDb } : {}),
    spoolDir: o.spoolDir,
  });
  await queue.onDead("scan", async (data, reason) => {
    log(`scan ${data.scanId} of ${data.imageId} failed ${JOB_ATTEMPTS} times: ${reason}`);
    await failScan(
      store,
      data.scanId,
      data.imageId,
      `scan abandoned after ${JOB_ATTEMPTS} attempts: ${reason}`,
    );
  });
  await queue.work("scan", o.slots, async (job) => {
    const { scanId, imageId, failOn, timeoutMs } = job.data;
    log(`scanning ${imageId} (scan ${scanId}, attempt ${job.attempt})`);
    // Never past the job's expiry: the queue would hand it to a second worker meanwhile.
    const jobBudget = Math.max(1000, (job.expireInSeconds - SCAN_EXPIRY_MARGIN_S) * 1000);
    const own = o.budget.timeoutMs > 0 ? o.budget.timeoutMs : Number.POSITIVE_INFINITY;
    const queued = timeoutMs > 0 ? timeoutMs : Number.POSITIVE_INFINITY;
    const budget = { ...o.budget, timeoutMs: Math.min(own, jobBudget, queued) };
    await runner.run({ scanId, imageId, failOn }, budget);
    log(`scanned ${imageId} (scan ${scanId})`);
  });
  const sweep = async () => {
    const before = Date.now() - (o.sweepAfterMs ?? 60_000);
    for (const scan of await store.unfinishedScans()) {
      if (Date.parse(scan.startedAt) > before) continue;
      const state = await queue.state("scan", String(scan.scanId));
      if (state === "queued") continue;
      if (state === "ended") {
        await failScan(store, scan.scanId, scan.imageId, "its queued job ended without a verdict");
        continue;
      }
      log(`queueing scan ${scan.scanId} of ${scan.imageId}, which had no job`);
      await queueScan(queue, {
        scanId: scan.scanId,
        imageId: scan.imageId,
        failOn: o.failOn,
        timeoutMs: o.budget.timeoutMs,
      });
    }
  };
  const sweepLogged = () =>
    sweep().catch((e: Error) =>
      process.stderr.write(`amigate: looking for scans without a job: ${e.message}\n`),
    );
  await sweepLogged();
  const timer = setInterval(sweepLogged, SWEEP_EVERY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      // A scan still running gets its budget to finish; after that it goes back to the queue.
      await queue.close(o.budget.timeoutMs + SCAN_EXPIRY_MARGIN_S * 1000);
    },
  };
}

/** Marks a scan failed unless a verdict is in (a late attempt may have finished it after all). */
async function failScan(store: Store, scanId: number, imageId: string, error: string): Promise<void> {
  const latest = await store.latestScan(imageId);
  if (latest?.scanId === scanId && (latest.status === "done" || latest.status === "failed")) return;
  await store.updateScan(scanId, { status: "failed", error, finishedAt: new Date().toISOString() });
  const image = await store.image(imageId);
  if (image?.state === "pending") await store.updateImage(imageId, { state: "available" });
}

/**
 * A PostgreSQL catalogue's scans: the queue in its database, the API side (scans), and unless
 * `workers` is 0 a scan worker in this process too (serve without separate workers).
 */
export async function openQueuedScans(
  store: Store,
  blobs: BlobStore,
  url: string,
  o: Omit<ScanWorkerOptions, "slots"> & { workers: number },
): Promise<{ scans: ScanScheduler; queue: JobQueue; close(): Promise<void> }> {
  const queue = await PgBossQueue.open(url);
  const scans = new QueuedScans(store, queue, { failOn: o.failOn, timeoutMs: o.budget.timeoutMs });
  const worker =
    o.workers > 0 ? await startScanWorker(store, blobs, queue, { ...o, slots: o.workers }) : undefined;
  return {
    scans,
    queue,
    close: () => (worker ? worker.stop() : queue.close()),
  };
}
