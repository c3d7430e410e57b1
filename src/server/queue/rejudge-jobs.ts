/**
 * Re-judging through the job queue (a PostgreSQL catalogue): a pass is a chain of jobs on the
 * queue that scans use, so N API nodes ticking at once, or an admin's call made to any of them,
 * give one pass, run by whichever worker (or serve with scan workers) takes it.
 *
 * - One pass per key: the daily tick's key is its day; a call's is its day, the database it is
 *   judged with (as the queueing node sees it) and its images. A second request with the key,
 *   while the first is known to the queue, is the same pass.
 * - A pass runs in slices of at most sliceMs (default 5 min): each slice's job judges the scans
 *   after the last one's and queues the next slice before it ends, so a job's visibility timeout
 *   stays short however large the catalogue. A worker killed mid-slice: after the timeout the
 *   slice runs again elsewhere; what the first attempt wrote is now current and judged unchanged,
 *   so it is neither written nor audited twice (rejudge.ts replaces reports only when they change,
 *   and only over the report it judged).
 */
import { createHash } from "node:crypto";
import { describeError } from "../../io/errors.js";
import { defaultDbPath } from "../../vuln/db/path.js";
import {
  databaseState,
  type RejudgeRequest,
  type RejudgeScheduler,
  type RejudgeSettings,
  type RejudgeStatus,
  type RejudgeSummary,
  rejudgeCatalogue,
  resolveAsOf,
} from "../rejudge.js";
import type { Store } from "../store/types.js";
import { JOB_ATTEMPTS, type JobQueue, type RejudgeJobData, type RejudgePassTotals } from "./jobs.js";

/** How long one slice judges before it hands the rest of the pass to the next slice's job. */
export const REJUDGE_SLICE_MS = 5 * 60_000;
/** Beyond the slice, what its attempt may take: the page under way, its writes, queueing the next. */
const SLICE_MARGIN_S = 120;

const sliceExpiry = (sliceMs: number, marginS = SLICE_MARGIN_S) => Math.ceil(sliceMs / 1000) + marginS;
const sliceKey = (pass: string, afterScanId: number) => `${pass}@${afterScanId}`;

/** The pass a request asks for: one per day for the daily tick, else per day, database and images. */
export function passKey(asOf: string, request: RejudgeRequest, database: string): string {
  const day = asOf.slice(0, 10);
  if (request.trigger.reason === "daily") return `daily:${day}`;
  const images = request.imageIds ? [...request.imageIds].sort().join(",") : "*";
  const digest = createHash("sha256").update(`${database}\0${images}`).digest("hex").slice(0, 32);
  return `${request.trigger.reason}:${day}:${digest}`;
}

/** What identifies a vulnerability database's content for a pass's key: its last import and size. */
function databaseIdentity(path: string): string {
  const state = databaseState(path);
  return state.unusable !== undefined
    ? `unusable:${state.unusable}`
    : `${state.lastImport ?? "never"}:${state.advisories ?? 0}`;
}

function addSummary(totals: RejudgePassTotals, s: RejudgeSummary): RejudgePassTotals {
  return {
    startedAt: totals.startedAt,
    slices: totals.slices + 1,
    judged: totals.judged + s.judged,
    changed: totals.changed + s.changed,
    regressed: totals.regressed + s.regressed.length,
    madePrivate: totals.madePrivate + s.madePrivate.length,
    recovered: totals.recovered + s.recovered.length,
    skipped: totals.skipped + s.skipped,
    failed: totals.failed + s.failed.length,
  };
}

/** The API side: requests become the first slice of their pass (RejudgeScheduler, as the in-process Rejudger). */
export class QueuedRejudger implements RejudgeScheduler {
  constructor(
    private readonly queue: JobQueue,
    private readonly settings: RejudgeSettings,
    private readonly options: {
      now?: () => Date;
      pinnedAsOf?: string;
      sliceMs?: number;
      /** Seconds a slice's attempt may run past sliceMs before another runner takes it (tests shorten it). */
      marginS?: number;
    } = {},
  ) {}

  async request(request: RejudgeRequest): Promise<{ asOf: string }> {
    const asOf = resolveAsOf(request, this.options);
    const { vulnDb: _runnersOwn, ...settings } = this.settings;
    const pass = passKey(asOf, request, databaseIdentity(defaultDbPath(this.settings.vulnDb)));
    const startedAt = (this.options.now ?? (() => new Date()))().toISOString();
    const data: RejudgeJobData = {
      pass,
      asOf,
      ...(request.imageIds ? { imageIds: request.imageIds } : {}),
      trigger: request.trigger,
      settings,
      afterScanId: 0,
      totals: {
        startedAt,
        slices: 0,
        judged: 0,
        changed: 0,
        regressed: 0,
        madePrivate: 0,
        recovered: 0,
        skipped: 0,
        failed: 0,
      },
    };
    await this.queue.enqueue("rejudge", data, {
      key: sliceKey(pass, 0),
      expireInSeconds: sliceExpiry(this.options.sliceMs ?? REJUDGE_SLICE_MS, this.options.marginS),
    });
    return { asOf };
  }

  async status(): Promise<RejudgeStatus> {
    const { waiting, running } = await this.queue.pending("rejudge");
    return {
      running: running > 0,
      waiting: waiting > 0,
      database: databaseState(defaultDbPath(this.settings.vulnDb)),
    };
  }
}

export interface RejudgeWorkerOptions {
  /** The vulnerability database this runner judges with (serve/worker --db); else as scans find it. */
  vulnDb?: string;
  sliceMs?: number;
  /** As QueuedRejudger's: the visibility timeout of the slices this runner queues. */
  marginS?: number;
  /** Reports read and judged per page (rejudge.ts's default: 200). */
  pageSize?: number;
  log?: (line: string) => void;
  /** Each finished pass (the last slice): its totals. */
  onPass?: (pass: string, totals: RejudgePassTotals) => void;
  /** Each slice's summary (tests). */
  onSlice?: (data: RejudgeJobData, summary: RejudgeSummary) => void;
}

/**
 * Takes re-judging slices, one at a time in this process, until stop(): a slice stopped early (its
 * time is up, or the process is stopping) queues the rest of its pass before its job ends.
 */
export async function startRejudgeWorker(
  store: Store,
  queue: JobQueue,
  o: RejudgeWorkerOptions = {},
): Promise<{ stop(): void }> {
  const log = o.log ?? (() => undefined);
  const sliceMs = o.sliceMs ?? REJUDGE_SLICE_MS;
  const stopping = new AbortController();
  await queue.onDead("rejudge", async (data, reason) => {
    // The pass stops here; the next request (or tomorrow's tick) judges what it left.
    log(`re-judging ${data.pass} after scan ${data.afterScanId} failed ${JOB_ATTEMPTS} times: ${reason}`);
  });
  await queue.work("rejudge", 1, async (job) => {
    const data = job.data;
    const settings: RejudgeSettings = {
      ...data.settings,
      ...(o.vulnDb !== undefined ? { vulnDb: o.vulnDb } : {}),
    };
    // Never past the job's expiry: the queue would give the slice to another runner meanwhile.
    const budget = Math.min(sliceMs, Math.max(0, job.expireInSeconds - (o.marginS ?? SLICE_MARGIN_S)) * 1000);
    const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(budget)]);
    const request: RejudgeRequest = {
      asOf: data.asOf,
      ...(data.imageIds ? { imageIds: data.imageIds } : {}),
      trigger: data.trigger,
    };
    let summary: RejudgeSummary;
    try {
      summary = await rejudgeCatalogue(store, settings, request, {
        signal,
        afterScanId: data.afterScanId,
        ...(o.pageSize !== undefined ? { pageSize: o.pageSize } : {}),
      });
    } catch (e) {
      throw new Error(`re-judging ${data.pass}: ${describeError(e)}`);
    }
    o.onSlice?.(data, summary);
    const totals = addSummary(data.totals, summary);
    const resume = summary.resumeAfterScanId;
    // Stopped before a page was judged: this slice again, later (its own key cannot be queued anew).
    if (summary.interrupted && resume === data.afterScanId) throw new Error("stopped before judging a page");
    if (summary.interrupted && resume !== undefined) {
      await queue.enqueue(
        "rejudge",
        { ...data, afterScanId: resume, totals },
        { key: sliceKey(data.pass, resume), expireInSeconds: sliceExpiry(sliceMs, o.marginS) },
      );
      return;
    }
    log(
      `re-judged ${data.pass}: ${totals.judged} reports, ${totals.changed} changed, ${totals.regressed} regressed, ${totals.recovered} recovered, ${totals.failed} failed (${totals.slices} slices)`,
    );
    o.onPass?.(data.pass, totals);
  });
  return { stop: () => stopping.abort() };
}
