import { tmpdir } from "node:os";
import type { Worker } from "node:worker_threads";
import { siblingModule, startModuleWorker } from "../io/module-worker.js";
import type { Severity } from "../policy/severity.js";
import type { ScanScheduler } from "./ec2/context.js";
import type { ScanJob, ScanOutcome } from "./scan-worker.js";
import type { BlobStore, Image, Store } from "./store/types.js";

/** The worker's file: scan-worker.js once built; under tsx (tests) the .ts source. */
const WORKER_URL = siblingModule(import.meta.url, "scan-worker");

/** What one scan may use: wall time from the worker's start, and the V8 heap of its thread. */
export interface ScanBudget {
  /** Wall time in milliseconds; 0 = none. */
  timeoutMs: number;
  /** The worker's old-generation heap in MiB (Worker resourceLimits.maxOldGenerationSizeMb). */
  memoryMb: number;
}

export const DEFAULT_SCAN_BUDGET: ScanBudget = { timeoutMs: 300_000, memoryMb: 256 };

/** The Worker resourceLimits for a memory budget (the young generation is left at V8's default). */
export function resourceLimitsOf(budget: ScanBudget): { maxOldGenerationSizeMb: number } {
  return { maxOldGenerationSizeMb: budget.memoryMb };
}

function startWorker(job: ScanJob, budget: ScanBudget): Worker {
  return startModuleWorker(WORKER_URL, { workerData: job, resourceLimits: resourceLimitsOf(budget) });
}

/** How long a terminated worker may take to stop before its slot is handed on regardless. */
const TERMINATE_GRACE_MS = 10_000;

interface Job {
  scanId: number;
  imageId: string;
  /** The image's owner: scans are queued per account. */
  accountId: string;
}

/** One scan to run now (run()): its record, and the report's failOn when not this runner's. */
export interface ScanToRun {
  scanId: number;
  imageId: string;
  failOn?: Severity;
}

/**
 * Background scans in worker threads, a few at a time, each within its budget (a scan past it is a
 * failed scan naming the budget). Queued scans are taken from the accounts in turn, so one
 * account's fifty images do not hold up another's one. A scan left running by a killed server is
 * restarted at start-up (resume()).
 */
export class ScanRunner implements ScanScheduler {
  /** Queued jobs per account. */
  private readonly queues = new Map<string, Job[]>();
  /** Per account with work queued or running: scans running, and when it was last served. */
  private readonly accounts = new Map<string, { running: number; servedAt: number }>();
  private served = 0;
  private queued = 0;
  private running = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly budget: ScanBudget;

  private readonly spoolDir: string;

  constructor(
    private readonly store: Store,
    private readonly blobs: BlobStore,
    private readonly options: {
      workers: number;
      failOn: Severity;
      budget?: Partial<ScanBudget>;
      vulnDb?: string;
      /** Where archives from an object store are fetched for their scan (the data directory's tmp/). */
      spoolDir?: string;
    },
  ) {
    this.budget = { ...DEFAULT_SCAN_BUDGET, ...options.budget };
    this.spoolDir = options.spoolDir ?? tmpdir();
  }

  async schedule(imageId: string): Promise<void> {
    const accountId = (await this.store.image(imageId))?.ownerId ?? "";
    const scan = await this.store.createScan(imageId);
    this.enqueue({ scanId: scan.scanId, imageId, accountId });
    this.pump();
  }

  async resume(): Promise<void> {
    for (const s of await this.store.unfinishedScans()) {
      await this.store.updateScan(s.scanId, {
        status: "failed",
        error: "interrupted by a server restart",
        finishedAt: new Date().toISOString(),
      });
      await this.schedule(s.imageId);
    }
  }

  /** Resolves when no scan is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(job: Job): void {
    const q = this.queues.get(job.accountId);
    if (q) q.push(job);
    else this.queues.set(job.accountId, [job]);
    if (!this.accounts.has(job.accountId)) this.accounts.set(job.accountId, { running: 0, servedAt: -1 });
    this.queued++;
  }

  /**
   * The next job: from the account with queued work that has the fewest scans running, and of
   * those the one served longest ago (an account new to the queue first).
   */
  private next(): Job | undefined {
    let pick: string | undefined;
    let best: { running: number; servedAt: number } | undefined;
    for (const accountId of this.queues.keys()) {
      const a = this.accounts.get(accountId)!;
      if (!best || a.running < best.running || (a.running === best.running && a.servedAt < best.servedAt)) {
        pick = accountId;
        best = a;
      }
    }
    if (pick === undefined || !best) return undefined;
    const q = this.queues.get(pick)!;
    const job = q.shift()!;
    if (q.length === 0) this.queues.delete(pick);
    this.queued--;
    best.running++;
    best.servedAt = this.served++;
    return job;
  }

  private pump(): void {
    while (this.running < this.options.workers) {
      const job = this.next();
      if (!job) break;
      this.running++;
      this.run(job)
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          const a = this.accounts.get(job.accountId)!;
          a.running--;
          if (a.running === 0 && !this.queues.has(job.accountId)) this.accounts.delete(job.accountId);
          this.pump();
          if (this.running === 0 && this.queued === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  /** Runs one scan and records its verdict (also the queue's workers' entry: queue/scan-jobs.ts). */
  async run(job: ScanToRun, budget: ScanBudget = this.budget): Promise<void> {
    const image = await this.store.image(job.imageId);
    const blob = image?.blob;
    const path = blob && this.blobs.localPath(blob.sha256);
    const location = blob && !path ? this.blobs.remote?.(blob.sha256) : undefined;
    if (!image || !blob || (!path && !location)) {
      await this.store.updateScan(job.scanId, {
        status: "failed",
        error: "no blob to scan",
        finishedAt: new Date().toISOString(),
      });
      return;
    }
    await this.store.updateScan(job.scanId, { status: "running" });
    const { outcome, stopped } = this.inWorker(
      {
        ...(path
          ? { path }
          : {
              remote: { location: location!, sha256: blob.sha256, size: blob.size, spoolDir: this.spoolDir },
            }),
        imageId: job.imageId,
        failOn: job.failOn ?? this.options.failOn,
        ...(this.options.vulnDb !== undefined ? { vulnDb: this.options.vulnDb } : {}),
      },
      budget,
    );
    try {
      const o = await outcome;
      const finishedAt = new Date().toISOString();
      if (!o.ok) {
        await this.store.updateScan(job.scanId, { status: "failed", error: o.error, finishedAt });
      } else {
        // The facts snapshot goes with the report: re-judging (rejudge.ts) reads it instead of the blob.
        await this.store.updateScan(job.scanId, {
          status: "done",
          report: o.report,
          facts: o.facts,
          finishedAt,
        });
        await this.store.updateImage(job.imageId, fill(image, o.attributes));
      }
      if (image.state === "pending") await this.store.updateImage(job.imageId, { state: "available" });
    } finally {
      // The slot is free once the thread is gone (or has had its grace), not when the verdict is in.
      await stopped;
    }
  }

  /**
   * Runs one scan in a worker thread within the budget. `outcome` settles with the scan's result,
   * or a failure naming the budget it went past; `stopped` when the thread has exited (a worker
   * past its time is terminated; one that does not stop within TERMINATE_GRACE_MS is left behind).
   */
  private inWorker(
    job: ScanJob,
    budget: ScanBudget,
  ): { outcome: Promise<ScanOutcome>; stopped: Promise<void> } {
    const { timeoutMs, memoryMb } = budget;
    const worker = startWorker(job, budget);
    let settle!: (o: ScanOutcome) => void;
    const outcome = new Promise<ScanOutcome>((resolve) => {
      settle = resolve;
    });
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    // The first of: the scan's answer, its end past a budget, or the thread gone. Then it is stopped.
    const done = (o: ScanOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      settle(o);
      void worker.terminate();
    };
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    if (timeoutMs > 0)
      timer = setTimeout(
        () => done({ ok: false, error: `scan exceeded its ${timeoutMs / 1000} s time budget` }),
        timeoutMs,
      );
    worker.once("message", (m: ScanOutcome) => done(m));
    worker.once("error", (e: Error & { code?: string }) =>
      done({
        ok: false,
        error:
          e.code === "ERR_WORKER_OUT_OF_MEMORY"
            ? `scan exceeded its ${memoryMb} MiB memory budget`
            : e.message,
      }),
    );
    worker.once("exit", (code) => done({ ok: false, error: `scan worker exited with code ${code}` }));
    const stopped = outcome.then(() => {
      let grace: NodeJS.Timeout | undefined;
      return Promise.race([
        exited,
        new Promise<void>((resolve) => {
          grace = setTimeout(() => {
            process.stderr.write(
              `amigate serve: the worker scanning ${job.imageId} did not stop within ${TERMINATE_GRACE_MS / 1000} s of its end; moving on\n`,
            );
            resolve();
          }, TERMINATE_GRACE_MS);
          grace.unref();
        }),
      ]).finally(() => clearTimeout(grace));
    });
    return { outcome, stopped };
  }
}

/** Scan results fill only the EC2 fields the owner did not give at RegisterImage. */
function fill(image: Image, a: import("./scan-worker.js").ScannedAttributes): Partial<Image> {
  const given = new Set(image.given ?? []);
  const patch: Partial<Image> = {};
  if (a.architecture && !given.has("Architecture")) patch.architecture = a.architecture;
  if (a.virtualizationType && !given.has("VirtualizationType"))
    patch.virtualizationType = a.virtualizationType;
  if (a.bootMode && !given.has("BootMode")) patch.bootMode = a.bootMode;
  if (a.platform === "windows") {
    patch.platform = "windows";
    patch.platformDetails = "Windows";
  }
  return patch;
}
