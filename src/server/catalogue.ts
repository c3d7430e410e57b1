/**
 * Opens (or creates) a data directory: catalogue.db (SQLite, or the PostgreSQL database that
 * `--database` names), blobs/, secret.key (seals access keys, 0600), and on first start an admin
 * account whose keys are returned once.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Severity } from "../policy/severity.js";
import { App } from "./app.js";
import { PostgresClusterBus, signInPeersOver } from "./cluster-bus.js";
import { isPostgresUrl, openDatabase } from "./database.js";
import type { ScanScheduler } from "./ec2/context.js";
import { type GateScope, ScanGate } from "./gate.js";
import { QueuedRejudger, startRejudgeWorker } from "./queue/rejudge-jobs.js";
import { openQueuedScans } from "./queue/scan-jobs.js";
import {
  DailyTick,
  type RegressionAction,
  Rejudger,
  type RejudgeScheduler,
  type RejudgeSettings,
  type RejudgeSummary,
  type TickClock,
} from "./rejudge.js";
import { DEFAULT_SCAN_BUDGET, type ScanBudget, ScanRunner } from "./scans.js";
import { openBlobStore } from "./store/open-blobs.js";
import type { S3Location } from "./store/s3-location.js";
import { SecretBox } from "./store/secret-box.js";
import { SqliteStore } from "./store/sqlite.js";
import type { NewAccount, Store } from "./store/types.js";
import type { UploadLimits } from "./upload-limits.js";
import { UploadSessions } from "./upload-sessions.js";

export interface CatalogueOptions {
  dataDir: string;
  /** An S3-compatible store for pushed images; else <dataDir>/blobs. */
  blobs?: S3Location;
  region?: string;
  gateSeverity?: Severity;
  gateScope?: GateScope;
  /** Scans run at once by this process (worker threads); 0 only on PostgreSQL (`amigate worker` runs them). */
  scanWorkers?: number;
  /** Public images per account at once (EC2: 5 per Region, adjustable); 0 = no limit. */
  publicImageQuota?: number;
  /** How long DescribeImages still lists a deregistered image, in ms (app.ts's default: an hour). */
  deregisteredListingMs?: number;
  /** Console sessions' idle and absolute lifetimes, in ms (console/sessions.ts's defaults: 1 h, 12 h). */
  consoleSessions?: { idleMs?: number; lifetimeMs?: number };
  /** Each scan's wall time and memory (scans.ts DEFAULT_SCAN_BUDGET for what is left out). */
  scanBudget?: Partial<ScanBudget>;
  /** Blob size and per-account stored bytes (upload-limits.ts DEFAULT_UPLOAD_LIMITS when left out). */
  uploadLimits?: UploadLimits;
  /** Vulnerability database for scans (`serve --db`); else AMIGATE_DB, else the user cache's. */
  vulnDb?: string;
  /**
   * Whether a public share needs a scan whose vulnerability checks ran (default true: a scan
   * that skipped them does not pass the gate); false only by the operator's explicit choice.
   */
  requireVulnerabilityChecks?: boolean;
  /** What re-judging does to a public image whose verdict regressed (rejudge.ts; default flag). */
  onRegression?: RegressionAction;
  /** The daily re-judging's time, minutes after midnight UTC (serve --rejudge-at); unset: none. */
  rejudgeAt?: number;
  /** The clock the daily tick reads and sets its timer on (tests move one by hand). */
  rejudgeClock?: TickClock;
  /** Runs asked for without a date judge on this one (YYYY-MM-DD: AMIGATE_SCAN_AS_OF), not today. */
  rejudgePinnedAsOf?: string;
  /** Each finished re-judging run in this process (SQLite; serve prints a line). */
  onRejudged?: (summary: RejudgeSummary) => void;
  /** Re-judging passes this process ran from the queue (PostgreSQL with scan workers; serve prints them). */
  rejudgeLog?: (line: string) => void;
}

export interface Catalogue<S extends Store = SqliteStore> {
  app: App;
  store: S;
  /** In-process scans (SQLite), or the job queue's API side (PostgreSQL: queue/scan-jobs.ts). */
  scans: ScanScheduler;
  /**
   * Where re-judging is asked for (POST /amigate/rejudge, the daily tick): runs in this process
   * (SQLite), or passes on the job queue (PostgreSQL: queue/rejudge-jobs.ts).
   */
  rejudger: RejudgeScheduler;
  /** The daily tick, when one was asked for. */
  dailyRejudge?: DailyTick;
  /** Set when this start created the admin account (its keys are shown once). */
  createdAdmin?: NewAccount;
  close(): Promise<void>;
}

/** EC2's default quota of public AMIs per Region. */
export const DEFAULT_PUBLIC_IMAGE_QUOTA = 5;

export function openStore(dataDir: string): SqliteStore {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return new SqliteStore(dataDir, SecretBox.open(path.join(dataDir, "secret.key")));
}

export function openCatalogue(o: CatalogueOptions): Promise<Catalogue> {
  return catalogueOver(openStore(o.dataDir), o);
}

/** As openCatalogue, on the store `--database` names (server/database.ts): PostgreSQL or a SQLite file. */
export async function openCatalogueOn(
  o: CatalogueOptions,
  database: string | undefined,
): Promise<Catalogue<Store>> {
  const store = await openDatabase(o.dataDir, database);
  // On PostgreSQL scans go through the job queue in the same database; any node or worker runs them.
  if (database !== undefined && isPostgresUrl(database)) return catalogueOver(store, o, database);
  return catalogueOver(store, o);
}

async function catalogueOver<S extends Store>(
  store: S,
  o: CatalogueOptions,
  queueDatabase?: string,
): Promise<Catalogue<S>> {
  const spoolDir = path.join(o.dataDir, "tmp");
  const blobs = await openBlobStore(o.blobs, o.dataDir, spoolDir);
  const region = o.region ?? "us-east-1";
  const scanning = {
    workers: o.scanWorkers ?? 1,
    failOn: o.gateSeverity ?? "high",
    ...(o.vulnDb !== undefined ? { vulnDb: o.vulnDb } : {}),
    spoolDir,
  };
  const queued = queueDatabase
    ? await openQueuedScans(store, blobs, queueDatabase, {
        ...scanning,
        budget: { ...DEFAULT_SCAN_BUDGET, ...o.scanBudget },
      })
    : undefined;
  const inProcess = queued
    ? undefined
    : new ScanRunner(store, blobs, { ...scanning, ...(o.scanBudget ? { budget: o.scanBudget } : {}) });
  const scans: ScanScheduler = queued?.scans ?? inProcess!;
  // API nodes on one database tell each other what they keep in memory (console lockouts).
  const bus = queueDatabase ? await PostgresClusterBus.open(queueDatabase) : undefined;
  const gate = new ScanGate(store, {
    severity: o.gateSeverity ?? "high",
    scope: o.gateScope ?? "public",
    region,
    requireVulnerabilityChecks: o.requireVulnerabilityChecks ?? true,
  });
  const rejudgeSettings: RejudgeSettings = {
    severity: o.gateSeverity ?? "high",
    requireVulnerabilityChecks: o.requireVulnerabilityChecks ?? true,
    onRegression: o.onRegression ?? "flag",
    ...(o.vulnDb !== undefined ? { vulnDb: o.vulnDb } : {}),
  };
  const asOfOptions = {
    ...(o.rejudgeClock ? { now: () => o.rejudgeClock!.now() } : {}),
    ...(o.rejudgePinnedAsOf ? { pinnedAsOf: o.rejudgePinnedAsOf } : {}),
  };
  // On PostgreSQL every node's tick and call queues the pass; the nodes that run scan workers take it.
  const inProcessRejudger = queued
    ? undefined
    : new Rejudger(store, rejudgeSettings, {
        ...asOfOptions,
        ...(o.onRejudged ? { onSummary: o.onRejudged } : {}),
      });
  const rejudger = queued
    ? new QueuedRejudger(queued.queue, rejudgeSettings, asOfOptions)
    : inProcessRejudger!;
  const rejudgeWorker =
    queued && (o.scanWorkers ?? 1) > 0
      ? await startRejudgeWorker(store, queued.queue, {
          ...(o.vulnDb !== undefined ? { vulnDb: o.vulnDb } : {}),
          ...(o.rejudgeLog ? { log: o.rejudgeLog } : {}),
        })
      : undefined;
  const dailyRejudge =
    o.rejudgeAt !== undefined ? new DailyTick(rejudger, o.rejudgeAt, o.rejudgeClock).start() : undefined;
  const createdAdmin = await store.createFirstAdmin();
  await inProcess?.resume();
  const app = new App({
    store,
    blobs,
    gate,
    scans,
    region,
    publicImageQuota: o.publicImageQuota ?? DEFAULT_PUBLIC_IMAGE_QUOTA,
    ...(o.deregisteredListingMs !== undefined ? { deregisteredListingMs: o.deregisteredListingMs } : {}),
    ...(o.consoleSessions ? { consoleSessions: o.consoleSessions } : {}),
    ...(o.uploadLimits ? { uploadLimits: o.uploadLimits } : {}),
    ...(bus ? { signInPeers: signInPeersOver(bus) } : {}),
    uploadSessions: new UploadSessions(store, blobs.parts, path.join(o.dataDir, "tmp", "parts")),
    rejudge: rejudger,
  });
  return {
    app,
    store,
    scans,
    rejudger,
    ...(dailyRejudge ? { dailyRejudge } : {}),
    ...(createdAdmin ? { createdAdmin } : {}),
    close: async () => {
      dailyRejudge?.stop();
      rejudgeWorker?.stop();
      await inProcessRejudger?.close();
      await inProcess?.idle();
      await queued?.close();
      await bus?.close();
      await store.close();
    },
  };
}
