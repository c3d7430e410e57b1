import { Worker } from "node:worker_threads";
import type { Severity } from "../policy/severity.js";
import type { ScanScheduler } from "./ec2/context.js";
import type { ScanJob, ScanOutcome } from "./scan-worker.js";
import type { BlobStore, Image, Store } from "./store/types.js";

const FROM_SOURCE = import.meta.url.endsWith(".ts");
/** The worker's file: scan-worker.js once built; under tsx (tests) the .ts source. */
const WORKER_URL = new URL(FROM_SOURCE ? "./scan-worker.ts" : "./scan-worker.js", import.meta.url);

/** Under tsx a worker does not inherit the loader, so a tiny ESM bootstrap registers it first. */
function startWorker(job: ScanJob): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData: job });
  const api = import.meta.resolve("tsx/esm/api");
  const code = `const { register } = await import(${JSON.stringify(api)}); register(); await import(${JSON.stringify(WORKER_URL.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData: job });
}

/**
 * Background scans in worker threads, a few at a time. A scan left running by a killed server is
 * restarted at start-up (resume()).
 */
export class ScanRunner implements ScanScheduler {
  private readonly queue: Array<{ scanId: number; imageId: string }> = [];
  private running = 0;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly store: Store,
    private readonly blobs: BlobStore,
    private readonly options: { workers: number; failOn: Severity },
  ) {}

  async schedule(imageId: string): Promise<void> {
    const scan = await this.store.createScan(imageId);
    this.queue.push({ scanId: scan.scanId, imageId });
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
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.options.workers && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      this.run(job)
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  private async run(job: { scanId: number; imageId: string }): Promise<void> {
    const image = await this.store.image(job.imageId);
    const path = image?.blob && this.blobs.localPath(image.blob.sha256);
    if (!image || !path) {
      await this.store.updateScan(job.scanId, {
        status: "failed",
        error: "no local blob to scan",
        finishedAt: new Date().toISOString(),
      });
      return;
    }
    await this.store.updateScan(job.scanId, { status: "running" });
    const outcome = await this.inWorker({ path, imageId: job.imageId, failOn: this.options.failOn });
    const finishedAt = new Date().toISOString();
    if (!outcome.ok) {
      await this.store.updateScan(job.scanId, { status: "failed", error: outcome.error, finishedAt });
    } else {
      await this.store.updateScan(job.scanId, { status: "done", report: outcome.report, finishedAt });
      await this.store.updateImage(job.imageId, fill(image, outcome.attributes));
    }
    if (image.state === "pending") await this.store.updateImage(job.imageId, { state: "available" });
  }

  private inWorker(job: ScanJob): Promise<ScanOutcome> {
    return new Promise((resolve) => {
      const worker = startWorker(job);
      let settled = false;
      const done = (o: ScanOutcome) => {
        if (!settled) {
          settled = true;
          resolve(o);
        }
      };
      worker.once("message", (m: ScanOutcome) => done(m));
      worker.once("error", (e) => done({ ok: false, error: e.message }));
      worker.once("exit", (code) => done({ ok: false, error: `scan worker exited with code ${code}` }));
    });
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
