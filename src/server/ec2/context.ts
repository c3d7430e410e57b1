import type { ScanResult } from "../../policy/result.js";
import type { AuditRecord, Image, LaunchPermission, Store } from "../store/types.js";
import type { Ec2Params } from "./query.js";

/** The authenticated account behind a request. */
export interface Caller {
  accountId: string;
  accessKeyId: string;
  admin: boolean;
}

/** The scan gate (gate.ts): refuses a share the latest scan or the image's metadata does not allow. */
export interface ShareGate {
  checkShare(image: Image, adding: LaunchPermission[]): Promise<void>;
  /** Why a report does not pass the gate's severity and checks (empty: it passes). */
  reportFailures(report: Pick<ScanResult, "findings" | "checks">): string[];
}

/** Starts a background scan of an image's blob (scans.ts). */
export interface ScanScheduler {
  schedule(imageId: string): Promise<void>;
}

export interface Ec2Context {
  store: Store;
  caller: Caller;
  params: Ec2Params;
  requestId: string;
  region: string;
  /** Public images per account at once; 0 = no limit. */
  publicImageQuota: number;
  gate: ShareGate;
  scans: ScanScheduler;
  /** The request's time, from the server's clock (deps.now in tests). */
  now: Date;
  /** How long DescribeImages still lists a deregistered image (ms; 0: not at all). */
  deregisteredListingMs: number;
  /**
   * For a mutating call, its audit entry (outcome ok): handed to the write that makes the change,
   * so both commit together. Left unwritten (no change made), the caller commits it afterwards.
   */
  audit?: AuditRecord | undefined;
}

export interface Ec2Action {
  /** The EC2 Action= name. */
  name: string;
  /** Mutating calls are written to the audit log. */
  mutating: boolean;
  /** Returns the response members (inner XML after requestId), as text or UTF-8 byte pieces. */
  run(ctx: Ec2Context): Promise<string | Buffer[]>;
}
