/**
 * The shapes app.ts (the request handler) and routes.ts (our own endpoints) share: a request and its
 * response as the handler sees them, the handler's dependencies, and a request's context.
 */
import type { Readable } from "node:stream";
import type { SignInPeers } from "./console/throttle.js";
import type { Caller, ScanScheduler, ShareGate } from "./ec2/context.js";
import type { RejudgeScheduler } from "./rejudge.js";
import type { AuditRecord, BlobStore, Store } from "./store/types.js";
import type { UploadLedger, UploadLimits } from "./upload-limits.js";
import type { UploadSessions } from "./upload-sessions.js";

export interface AppRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Whole body, or a stream for uploads. */
  body: Buffer | AsyncIterable<Uint8Array>;
  remoteAddress: string;
  /** Arrived over TLS (the console's cookies are then Secure). */
  tls?: boolean;
}

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  /** Pieces (Buffer[]) are one body, joined by the HTTP layer. */
  body: string | Buffer | Buffer[] | Readable;
}

export interface AppDeps {
  store: Store;
  blobs: BlobStore;
  gate: ShareGate;
  scans: ScanScheduler;
  /** The region this server answers for (ARC-1 judges it). */
  region: string;
  /** Public images per account at once; 0 = no limit. */
  publicImageQuota: number;
  /** Blob size and per-account stored bytes (DEFAULT_UPLOAD_LIMITS when left out). */
  uploadLimits?: UploadLimits;
  /** Resumable uploads in parts (upload-routes.ts); left out: uploads are taken whole only. */
  uploadSessions?: UploadSessions;
  /** How long DescribeImages still lists a deregistered image, in ms (DEFAULT_DEREGISTERED_LISTING_MS). */
  deregisteredListingMs?: number;
  /**
   * How long a console session lasts unused (idleMs) and at most after sign-in (lifetimeMs);
   * console/sessions.ts DEFAULT_SESSION_SETTINGS for what is left out (serve --session-idle/-max).
   */
  consoleSessions?: { idleMs?: number; lifetimeMs?: number };
  /** The other API nodes of a PostgreSQL catalogue, told of console sign-in failures (cluster-bus.ts). */
  signInPeers?: SignInPeers;
  /** The server's clock: signatures' skew and the image lifecycle's times. */
  now?: () => Date;
  /** Where re-judging runs are asked for (POST /amigate/rejudge); none: the catalogue does not re-judge. */
  rejudge?: RejudgeScheduler;
}

export interface RequestContext {
  caller: Caller;
  requestId: string;
  sourceIp: string;
  deps: AppDeps;
  /** Upload limits and the bytes each account is uploading now. */
  uploads: UploadLedger;
  /** Commits an entry with the turn's others (group commit). */
  audit(action: string, resource: string | undefined, detail: string, outcome: string): Promise<void>;
  /** An entry to hand to the write that makes the call's change (AuditRecord). */
  record(action: string, resource: string | undefined, detail: string, outcome: string): AuditRecord;
  /** After the call: commits the record's entry unless the change already carried it. */
  settle(record: AuditRecord): Promise<void>;
}
