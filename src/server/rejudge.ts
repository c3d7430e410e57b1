/**
 * Verdicts that stay current: every stored image's latest report judged again from its facts
 * snapshot (scan/rejudge.ts) on a new date and with the current vulnerability database, without
 * its blob. A report that changed is written back; an image whose verdict went from passing to
 * failing the gate gets an audit entry (RejudgeImage, outcome "regressed"), the owner's tag
 * amigate:verdict=fail, and with --on-regression make-private loses its public launch permission.
 *
 * rejudgeCatalogue is the job: a plain function of the store and a request, for whatever runs it
 * (the in-process Rejudger here, or a job queue's worker). Runs are started by an admin's API call
 * (rejudge-routes.ts, `amigate db update --rejudge`) and by a daily tick (DailyTick).
 */
import { existsSync } from "node:fs";
import { setImmediate } from "node:timers/promises";
import { describeError } from "../io/errors.js";
import type { ScanResult } from "../policy/result.js";
import type { Severity } from "../policy/severity.js";
import { type Rejudgement, rejudge } from "../scan/rejudge.js";
import { parseSnapshot } from "../scan/snapshot.js";
import { defaultDbPath } from "../vuln/db/path.js";
import { VulnDbReader } from "../vuln/reader.js";
import { reportFailures } from "./gate.js";
import type { AuditRecord, JudgeableScan, Store } from "./store/types.js";

/** What happens to an image whose verdict regressed: marked only, or also made private. */
export type RegressionAction = "flag" | "make-private";
export const REGRESSION_ACTIONS: readonly RegressionAction[] = ["flag", "make-private"];

/** The owner's tag on a re-judged image whose verdict changed: "fail", or "pass" once it passes again. */
export const VERDICT_TAG = "amigate:verdict";

export interface RejudgeSettings {
  /** The gate's severity: a verdict passes with no finding at or above it. */
  severity: Severity;
  /** A verdict needs vulnerability checks that ran (serve without --allow-unchecked-vulnerabilities). */
  requireVulnerabilityChecks: boolean;
  onRegression: RegressionAction;
  /** The vulnerability database (serve --db; else $AMIGATE_DB, else the user cache's, as scans). */
  vulnDb?: string;
  /** A database older than this many days is stale (default 7, as scans). */
  vulnDbMaxAgeDays?: number;
}

/** Who asked: an admin's call (its account, key and address) or amigate itself (the daily tick). */
export interface RejudgeTrigger {
  accountId: string;
  accessKeyId: string;
  sourceIp: string;
  /** "api", "daily"…: said in the run's summary and its audit entries. */
  reason: string;
}

/** The daily tick's trigger: no account asked. */
export const DAILY_TRIGGER: RejudgeTrigger = {
  accountId: "amigate",
  accessKeyId: "",
  sourceIp: "",
  reason: "daily",
};

export interface RejudgeRequest {
  /** ISO time end of life and the database's age are judged on (default: the scheduler's today). */
  asOf?: string;
  /** Only these images (default: every image whose latest scan kept its facts). */
  imageIds?: string[];
  trigger: RejudgeTrigger;
}

export interface RejudgeSummary {
  asOf: string;
  reason: string;
  startedAt: string;
  finishedAt: string;
  /** Reports judged again. */
  judged: number;
  /** Reports that changed and were written back. */
  changed: number;
  /** Images whose verdict went from pass to fail, and of those the ones made private. */
  regressed: string[];
  madePrivate: string[];
  /** Images whose verdict went from fail to pass. */
  recovered: string[];
  /** Reports another re-judgement changed first (left to it). */
  skipped: number;
  /** Reports that could not be judged again (a damaged record), with why. */
  failed: Array<{ imageId: string; error: string }>;
  /** Set when the run was stopped before its end (the server shutting down): a later run goes on. */
  interrupted?: true;
  /** With interrupted: the last scan id judged; a run from after it (options.afterScanId) finishes the pass. */
  resumeAfterScanId?: number;
}

/** Scans read per page: a page is one query; its reports and facts are held at once. */
const PAGE_SIZE = 200;
/** Findings named in a regression's audit entry, most severe first. */
const AUDITED_FINDINGS = 20;

/** The database opened once for the run, or undefined (missing, or not opening: each report says why). */
function openShared(path: string): VulnDbReader | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return VulnDbReader.open(path);
  } catch {
    return undefined;
  }
}

/**
 * The job: every judgeable scan (or those of `request.imageIds`) judged again, page by page; what
 * changed written back and acted on. Never throws for one report: its failure is in the summary.
 */
export async function rejudgeCatalogue(
  store: Store,
  settings: RejudgeSettings,
  request: RejudgeRequest,
  options: {
    now?: () => Date;
    pageSize?: number;
    /** Stops the run between pages (a page under way is finished and written). */
    signal?: AbortSignal;
    /** Judges only scans after this id (a pass resumed where a stopped run left it). */
    afterScanId?: number;
  } = {},
): Promise<RejudgeSummary> {
  const now = options.now ?? (() => new Date());
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const asOf = new Date(request.asOf ?? now().toISOString());
  const summary: RejudgeSummary = {
    asOf: asOf.toISOString(),
    reason: request.trigger.reason,
    startedAt: now().toISOString(),
    finishedAt: "",
    judged: 0,
    changed: 0,
    regressed: [],
    madePrivate: [],
    recovered: [],
    skipped: 0,
    failed: [],
  };
  const vulnDb = defaultDbPath(settings.vulnDb);
  const reader = openShared(vulnDb);
  const judge = { asOf, vulnDb, reader, now, settings, trigger: request.trigger, summary };
  try {
    let after = options.afterScanId ?? 0;
    for (;;) {
      if (options.signal?.aborted) {
        summary.interrupted = true;
        summary.resumeAfterScanId = after;
        break;
      }
      const page = await store.judgeableScans({
        afterScanId: after,
        limit: pageSize,
        ...(request.imageIds ? { imageIds: request.imageIds } : {}),
      });
      if (page.length > 0) after = page[page.length - 1]!.scanId;
      await judgePage(store, page, judge);
      if (page.length < pageSize) break;
    }
  } finally {
    reader?.close();
  }
  summary.finishedAt = now().toISOString();
  return summary;
}

interface JudgeContext {
  asOf: Date;
  vulnDb: string;
  reader: VulnDbReader | undefined;
  now: () => Date;
  settings: RejudgeSettings;
  trigger: RejudgeTrigger;
  summary: RejudgeSummary;
}

/** A report judged again, and the one it replaces. */
interface Changed {
  scan: JudgeableScan;
  before: ScanResult;
  after: Rejudgement;
}

/**
 * A regression or recovery to act on, decided with the new report and written with it
 * (Judgement.pendingMark), then carried out and cleared. A process killed in between leaves it for
 * the next run over the scan, which carries it out first: the mark is done at least once (its
 * audit entry, in that case, possibly twice), never lost.
 */
interface PendingMark {
  verdict: "pass" | "fail";
  detail: Record<string, unknown>;
  /** The run that decided it (its audit entry names that run, whichever run carries it out). */
  asOf: string;
  trigger: RejudgeTrigger;
}

/** Carries out a scan's mark and clears it; a failure stays pending (and is in the summary). */
async function carryOut(store: Store, scanId: number, imageId: string, text: string, j: JudgeContext) {
  try {
    await mark(store, imageId, JSON.parse(text) as PendingMark, j);
    await store.clearPendingMark(scanId, text);
  } catch (e) {
    j.summary.failed.push({ imageId, error: describeError(e) });
  }
}

/**
 * One page: marks left pending by an earlier run carried out first; then every report judged
 * again, the changed ones written in one transaction with their marks (a page of writes costs
 * about what one does), then each regression or recovery acted on.
 */
async function judgePage(store: Store, page: readonly JudgeableScan[], j: JudgeContext): Promise<void> {
  for (const scan of page)
    if (scan.pendingMark !== undefined) await carryOut(store, scan.scanId, scan.imageId, scan.pendingMark, j);
  const changed: Changed[] = [];
  for (const scan of page) {
    // SQLite answers synchronously, so without this a run would hold the event loop for minutes:
    // each report lets requests (and signals) in first.
    await setImmediate();
    try {
      const before = JSON.parse(scan.report) as ScanResult;
      const after = await rejudge(before, parseSnapshot(scan.facts), {
        asOf: j.asOf,
        vulnDb: j.vulnDb,
        ...(j.reader ? { vulnDbReader: j.reader } : {}),
        ...(j.settings.vulnDbMaxAgeDays !== undefined
          ? { vulnDbMaxAgeDays: j.settings.vulnDbMaxAgeDays }
          : {}),
      });
      j.summary.judged++;
      if (after.changed) changed.push({ scan, before, after });
    } catch (e) {
      j.summary.failed.push({ imageId: scan.imageId, error: describeError(e) });
    }
  }
  if (changed.length === 0) return;
  const judgedAt = j.now().toISOString();
  const marks = changed.map(({ before, after }) => pendingMarkOf(before, after, j));
  const written = await store.replaceJudgements(
    changed.map(({ scan, after }, n) => ({
      scanId: scan.scanId,
      expectedJudgedAt: scan.judgedAt,
      report: JSON.stringify(after.report),
      judgedAt,
      ...(marks[n] !== undefined ? { pendingMark: marks[n] } : {}),
    })),
  );
  for (const [n, { scan }] of changed.entries()) {
    if (!written[n]) {
      j.summary.skipped++;
      continue;
    }
    j.summary.changed++;
    const pending = marks[n];
    if (pending !== undefined) await carryOut(store, scan.scanId, scan.imageId, pending, j);
  }
}

/** The mark a changed report calls for (JSON of PendingMark): a verdict that went from pass to fail, or back. */
function pendingMarkOf(before: ScanResult, after: Rejudgement, j: JudgeContext): string | undefined {
  const was = reportFailures(before, j.settings);
  const now = reportFailures(after.report, j.settings);
  const decided = { asOf: j.summary.asOf, trigger: j.trigger };
  let pending: PendingMark | undefined;
  if (was.length === 0 && now.length > 0) {
    const added = after.added
      .slice(0, AUDITED_FINDINGS)
      .map((f) => ({ rule: f.rule, severity: f.severity, message: f.message }));
    pending = { verdict: "fail", detail: { reasons: now, added }, ...decided };
  } else if (was.length > 0 && now.length === 0) pending = { verdict: "pass", detail: {}, ...decided };
  return pending && JSON.stringify(pending);
}

/** The verdict's tag, its audit entry and, for a regression with make-private, the public grant gone. */
async function mark(store: Store, imageId: string, pending: PendingMark, j: JudgeContext): Promise<void> {
  const { verdict, detail, trigger } = pending;
  const image = await store.image(imageId);
  if (!image) return;
  const makePrivate = verdict === "fail" && j.settings.onRegression === "make-private" && image.isPublic;
  const audit: AuditRecord = {
    entry: {
      at: j.now().toISOString(),
      accountId: trigger.accountId,
      accessKeyId: trigger.accessKeyId,
      action: "RejudgeImage",
      resource: imageId,
      detail: JSON.stringify({
        asOf: pending.asOf,
        reason: trigger.reason,
        verdict,
        ...detail,
        ...(verdict === "fail" ? { onRegression: j.settings.onRegression, madePrivate: makePrivate } : {}),
      }),
      sourceIp: trigger.sourceIp,
      outcome: verdict === "fail" ? "regressed" : "recovered",
    },
    written: false,
  };
  // The grant goes in the transaction of the entry; the tag follows (the entry is written once).
  if (makePrivate) await store.modifyLaunchPermissions(imageId, [], [{ group: "all" }], audit);
  await store.createTags(image.ownerId, [imageId], [{ key: VERDICT_TAG, value: verdict }], audit);
  if (!audit.written) await store.audit(audit.entry);
  if (verdict === "fail") j.summary.regressed.push(imageId);
  else j.summary.recovered.push(imageId);
  if (makePrivate) j.summary.madePrivate.push(imageId);
}

/** Where runs are asked for: the in-process Rejudger, or a job queue. */
export interface RejudgeScheduler {
  /**
   * Asks for a run, on the request's date or else the scheduler's today (answered). One waiting
   * request at most: a request while one waits is merged into it (the later date; every image if
   * either asked for every image).
   */
  request(request: RejudgeRequest): Promise<{ asOf: string }>;
  /** Whether a run is going or waiting, and the last run's summary. */
  status(): Promise<RejudgeStatus>;
}

export interface RejudgeStatus {
  running: boolean;
  waiting: boolean;
  last?: RejudgeSummary;
  /** The vulnerability database runs judge with: its path and what it holds, or why it does not read. */
  database: DatabaseState;
}

export interface DatabaseState {
  path: string;
  advisories?: number;
  lastImport?: string;
  /** Why no run can match with it (missing, not a database); each report then says its checks were skipped. */
  unusable?: string;
}

/** What the database at `path` holds now. */
export function databaseState(path: string): DatabaseState {
  if (!existsSync(path)) return { path, unusable: "no database at this path" };
  try {
    const reader = VulnDbReader.open(path);
    try {
      return { path, ...reader.summary() };
    } finally {
      reader.close();
    }
  } catch (e) {
    return { path, unusable: describeError(e) };
  }
}

/** Two waiting requests (dates resolved) as one: the later date, the union of images (every image wins). */
function merge(a: RejudgeRequest, b: RejudgeRequest): RejudgeRequest {
  const later = (a.asOf ?? "") > (b.asOf ?? "") ? a : b;
  const { imageIds: _ignored, ...rest } = later;
  if (a.imageIds === undefined || b.imageIds === undefined) return rest;
  return { ...rest, imageIds: [...new Set([...a.imageIds, ...b.imageIds])] };
}

/**
 * The date a request judges on: its own, else the catalogue's pinned date (AMIGATE_SCAN_AS_OF),
 * else the scheduler's now.
 */
export function resolveAsOf(request: RejudgeRequest, o: { now?: () => Date; pinnedAsOf?: string }): string {
  if (request.asOf !== undefined) return request.asOf;
  return (
    o.pinnedAsOf ? new Date(`${o.pinnedAsOf}T00:00:00Z`) : (o.now ?? (() => new Date()))()
  ).toISOString();
}

/** Runs re-judging in this process, one run at a time, each request coalesced with a waiting one. */
export class Rejudger implements RejudgeScheduler {
  private current: Promise<void> | undefined;
  private waiting: RejudgeRequest | undefined;
  private last: RejudgeSummary | undefined;
  private readonly idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly stopping = new AbortController();

  constructor(
    private readonly store: Store,
    private readonly settings: RejudgeSettings,
    private readonly options: {
      now?: () => Date;
      /**
       * The date runs asked for without one are judged on (YYYY-MM-DD), instead of today: a
       * catalogue whose scans are pinned to a date (AMIGATE_SCAN_AS_OF) is re-judged on it too.
       */
      pinnedAsOf?: string;
      /** Each finished run's summary (serve prints a line). */
      onSummary?: (summary: RejudgeSummary) => void;
    } = {},
  ) {}

  async request(request: RejudgeRequest): Promise<{ asOf: string }> {
    const asOf = resolveAsOf(request, this.options);
    if (this.closed) return { asOf };
    const resolved = { ...request, asOf };
    this.waiting = this.waiting ? merge(this.waiting, resolved) : resolved;
    if (!this.current) this.current = this.drain();
    return { asOf };
  }

  async status(): Promise<RejudgeStatus> {
    return {
      running: this.current !== undefined,
      waiting: this.waiting !== undefined,
      ...(this.last ? { last: this.last } : {}),
      database: databaseState(defaultDbPath(this.settings.vulnDb)),
    };
  }

  /** Resolves when no run is going or waiting (tests, shutdown). */
  idle(): Promise<void> {
    if (!this.current) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Takes no more requests, drops a waiting one and stops the run going after its current page
   * (what was judged is written; the next run judges the rest).
   */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting = undefined;
    this.stopping.abort();
    await this.idle();
  }

  private async drain(): Promise<void> {
    while (this.waiting) {
      const request = this.waiting;
      this.waiting = undefined;
      try {
        this.last = await rejudgeCatalogue(this.store, this.settings, request, {
          ...(this.options.now ? { now: this.options.now } : {}),
          signal: this.stopping.signal,
        });
        this.options.onSummary?.(this.last);
      } catch (e) {
        // A store that fails mid-run (the database went away): said, and the next request tries again.
        process.stderr.write(`amigate: re-judging failed: ${describeError(e)}\n`);
      }
    }
    this.current = undefined;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

/** A clock the daily tick reads and sets its timer on (tests give one they move by hand). */
export interface TickClock {
  now(): Date;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const SYSTEM_CLOCK: TickClock = {
  now: () => new Date(),
  setTimeout(fn, ms) {
    // Long delays wrap in Node's 32-bit timer; a day is far below it.
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/** "HH:MM" (UTC) as minutes after midnight, or undefined when it is not such a time. */
export function parseTimeOfDay(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** The first time at `minuteOfDay` (UTC) strictly after `from`. */
export function nextTickAfter(from: Date, minuteOfDay: number): Date {
  const day = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  let at = day + minuteOfDay * 60_000;
  if (at <= from.getTime()) at += 86_400_000;
  return new Date(at);
}

/**
 * Asks for a run of every image once a day at `minuteOfDay` UTC (serve --rejudge-at), judged on
 * that day, so an end-of-life date passes into the verdicts the day it comes.
 */
export class DailyTick {
  private timer: { cancel(): void } | undefined;
  private stopped = false;

  constructor(
    private readonly scheduler: RejudgeScheduler,
    private readonly minuteOfDay: number,
    private readonly clock: TickClock = SYSTEM_CLOCK,
  ) {}

  /** When the next tick is due. */
  next(): Date {
    return nextTickAfter(this.clock.now(), this.minuteOfDay);
  }

  start(): this {
    this.arm();
    return this;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private arm(): void {
    if (this.stopped) return;
    const due = this.next();
    this.timer = this.clock.setTimeout(
      () => {
        // A timer may fire a little early: the tick counts only once its time has come.
        if (this.clock.now() < due) return this.arm();
        // No date: the scheduler's today (its clock, or the catalogue's pinned date).
        void this.scheduler.request({ trigger: DAILY_TRIGGER });
        this.arm();
      },
      Math.max(0, due.getTime() - this.clock.now().getTime()),
    );
  }
}
