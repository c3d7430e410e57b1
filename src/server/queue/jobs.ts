/**
 * Work the catalogue hands to background runners, by kind. A queue (PostgreSQL: pg-boss-queue.ts;
 * one process: memory-queue.ts) keeps each job until one runner has finished it, retries an
 * attempt that threw or whose runner went away, and hands a job out of attempts ("dead") to the
 * kind's dead-job handler. The API side only enqueues; runners live in `amigate worker` or serve.
 */
import type { Severity } from "../../policy/severity.js";
import type { RejudgeSettings, RejudgeTrigger } from "../rejudge.js";

/** A scan of an image's blob; its scan record (scanId) was created when the job was queued. */
export interface ScanJobData {
  scanId: number;
  imageId: string;
  /** The queueing node's gate severity: the report's failOn. */
  failOn: Severity;
  /** The queueing node's scan time budget (serve --scan-timeout), ms; the job's expiry follows it. */
  timeoutMs: number;
}

/** What the slices of one re-judging pass have done so far (the last slice's job says the pass's). */
export interface RejudgePassTotals {
  startedAt: string;
  slices: number;
  judged: number;
  changed: number;
  regressed: number;
  madePrivate: number;
  recovered: number;
  skipped: number;
  failed: number;
}

/**
 * One slice of a re-judging pass (queue/rejudge-jobs.ts): the scans after afterScanId, for as long
 * as a slice may run; the rest is the next slice's job, queued by this one.
 */
export interface RejudgeJobData {
  /** The pass's key (one pass per key); its slices' keys follow from it. */
  pass: string;
  /** ISO time the pass judges on. */
  asOf: string;
  imageIds?: string[];
  trigger: RejudgeTrigger;
  /** The queueing node's gate settings; the database is the runner's own (serve/worker --db). */
  settings: Omit<RejudgeSettings, "vulnDb">;
  afterScanId: number;
  totals: RejudgePassTotals;
}

/** Every kind of job and its payload: a new kind is one entry here and a runner of its own. */
export interface JobPayloads {
  scan: ScanJobData;
  rejudge: RejudgeJobData;
}

export type JobKind = keyof JobPayloads;

export const JOB_KINDS: readonly JobKind[] = ["scan", "rejudge"];

export interface EnqueueOptions {
  /**
   * Makes queueing idempotent: while a job of this kind and key exists (queued, running or
   * ended and not yet archived), another with the key is not queued.
   */
  key: string;
  /**
   * How long one attempt may hold the job (the visibility timeout, in seconds): past it the
   * attempt counts as failed and the job goes back to the queue for another runner.
   */
  expireInSeconds: number;
}

export interface Job<K extends JobKind> {
  kind: K;
  data: JobPayloads[K];
  /** 1 for the first attempt. */
  attempt: number;
  /** The job's visibility timeout (EnqueueOptions.expireInSeconds). */
  expireInSeconds: number;
}

/** Where a job of a key is: waiting or running, finished or dead, or unknown to the queue. */
export type JobState = "queued" | "ended" | "none";

export interface JobQueue {
  enqueue<K extends JobKind>(kind: K, data: JobPayloads[K], options: EnqueueOptions): Promise<void>;
  /**
   * Runs jobs of a kind, at most `slots` at once in this process, until close(). A run that throws
   * fails its attempt: the job is retried later (by any runner), then given to onDead.
   */
  work<K extends JobKind>(kind: K, slots: number, run: (job: Job<K>) => Promise<void>): Promise<void>;
  /** Handles jobs of a kind that ran out of attempts; `reason` is the last attempt's failure. */
  onDead<K extends JobKind>(
    kind: K,
    record: (data: JobPayloads[K], reason: string) => Promise<void>,
  ): Promise<void>;
  state(kind: JobKind, key: string): Promise<JobState>;
  /** Jobs of a kind waiting (queued or due for a retry) and being run now, across every runner. */
  pending(kind: JobKind): Promise<{ waiting: number; running: number }>;
  /** Stops taking jobs, lets running ones finish (for up to graceMs), then lets go of the rest. */
  close(graceMs?: number): Promise<void>;
}

/** Attempts per job: the first and two retries. */
export const JOB_ATTEMPTS = 3;
