/**
 * Resumable uploads (docs/server.md "Upload sessions"): a client declares an image's size, SHA-256
 * and part size, sends the parts in any order and as often as it needs (each one digest-checked),
 * asks which parts arrived, and completes; the parts are then read in order through the blob
 * store's own spool, digest check and vetting (upload-routes.ts). Sessions and their part lists
 * are in the catalogue's database and the parts' bytes in the blob store (BlobStore.parts), so any
 * API node takes any request of a push; one node assembles a session at a time, under a lease.
 * A session untouched for `expiryMs` is deleted with its parts.
 */
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { Ec2Error } from "./ec2/errors.js";
import { receiveFile } from "./store/blob-spool.js";
import type { UploadPartBytes } from "./store/upload-parts.js";
import type {
  StoredUploadSession,
  UploadPartRecord,
  UploadResult,
  UploadSessionStore,
} from "./store/upload-session-store.js";

export type { UploadResult } from "./store/upload-session-store.js";

export interface UploadSessionLimits {
  /** Every part but the last has the declared part size, within these bounds. */
  minPartBytes: number;
  maxPartBytes: number;
  maxParts: number;
  /** Sessions an account may have open at once. */
  maxOpenPerAccount: number;
  /** A session nobody touched for this long is deleted with its parts. */
  expiryMs: number;
}

export const DEFAULT_UPLOAD_SESSION_LIMITS: UploadSessionLimits = {
  minPartBytes: 1024 * 1024,
  maxPartBytes: 512 * 1024 * 1024,
  maxParts: 10_000,
  maxOpenPerAccount: 16,
  expiryMs: 24 * 3600 * 1000,
};

/** How long an assembler's claim holds unless renewed (it renews every third of it). */
export const ASSEMBLY_LEASE_MS = 60_000;

export type Part = UploadPartRecord;

export interface UploadSession extends Omit<StoredUploadSession, "parts"> {
  partCount: number;
  parts: Map<number, Part>;
  /** Last request that touched it (ms since the epoch). */
  touched: number;
  /** A node (this one or another) holds a live assembly lease. */
  assembling: boolean;
}

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const SHA256 = /^[0-9a-f]{64}$/;

export const noSuchUpload = (uploadId: string): Ec2Error =>
  new Ec2Error(
    "NoSuchUpload",
    `The upload ${uploadId} does not exist (it was completed long ago, aborted or expired).`,
    404,
  );

const invalid = (message: string): Ec2Error => new Ec2Error("InvalidParameterValue", message, 400);

export class UploadSessions {
  private lastSweep = 0;
  /** This node's assemblies in progress, by upload id. */
  private readonly assemblies = new Map<string, Promise<UploadResult>>();
  /** Who holds this node's assembly leases. */
  readonly node = randomBytes(8).toString("hex");

  /** `spoolDir`: a local folder where a part is received and checked before it is kept. */
  constructor(
    private readonly store: UploadSessionStore,
    readonly partBytes: UploadPartBytes,
    private readonly spoolDir: string,
    readonly limits: UploadSessionLimits = DEFAULT_UPLOAD_SESSION_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {}

  private iso(ms = this.clock()): string {
    return new Date(ms).toISOString();
  }

  /** Sweeps the expired sessions, at most once a minute. */
  async ready(): Promise<void> {
    if (this.clock() - this.lastSweep >= 60_000) await this.sweep();
  }

  /** Deletes sessions untouched for expiryMs with their parts (never one being assembled). */
  async sweep(): Promise<void> {
    this.lastSweep = this.clock();
    const expired = await this.store.expiredUploadSessions(
      this.iso(this.clock() - this.limits.expiryMs),
      this.iso(),
    );
    for (const uploadId of expired) await this.remove(uploadId);
  }

  private async remove(uploadId: string): Promise<void> {
    await this.store.deleteUploadSession(uploadId);
    await this.partBytes.deleteUpload(uploadId);
  }

  private sessionOf(stored: StoredUploadSession): UploadSession {
    const { parts, ...record } = stored;
    return {
      ...record,
      partCount: Math.max(1, Math.ceil(record.size / record.partSize)),
      parts: new Map(parts.map((p) => [p.partNumber, p])),
      touched: Date.parse(record.touchedAt),
      assembling: record.assemblyUntil !== undefined && record.assemblyUntil > this.iso(),
    };
  }

  /** The account's sessions that still take parts or are being assembled. */
  async open(accountId: string): Promise<UploadSession[]> {
    return (await this.store.accountUploadSessions(accountId))
      .filter((s) => !s.result)
      .map((s) => this.sessionOf(s));
  }

  /** Bytes of parts the account's open sessions hold, on every node (they count against its quota). */
  heldBytes(accountId: string): Promise<number> {
    return this.store.uploadHeldBytes(accountId);
  }

  expiresAt(s: UploadSession): string {
    return this.iso(s.touched + this.limits.expiryMs);
  }

  /** The declared size of part n (1-based): the part size, the last one the rest. */
  partSizeOf(s: UploadSession, n: number): number {
    return n < s.partCount ? s.partSize : s.size - (s.partCount - 1) * s.partSize;
  }

  /** Checks a declaration; the caller has checked the size against --max-upload and the quota. */
  async create(
    accountId: string,
    declared: { size: unknown; sha256: unknown; partSize: unknown },
  ): Promise<UploadSession> {
    const { size, sha256, partSize } = declared;
    const { minPartBytes, maxPartBytes, maxParts, maxOpenPerAccount } = this.limits;
    if (!Number.isSafeInteger(size) || (size as number) < 1)
      throw invalid("size must be the image's length in bytes, a whole number ≥ 1.");
    if (typeof sha256 !== "string" || !SHA256.test(sha256))
      throw invalid("sha256 must be the image's SHA-256, 64 lower-case hex digits.");
    if (
      !Number.isSafeInteger(partSize) ||
      (partSize as number) < minPartBytes ||
      (partSize as number) > maxPartBytes
    )
      throw invalid(`partSize must be a whole number of bytes from ${minPartBytes} to ${maxPartBytes}.`);
    const partCount = Math.ceil((size as number) / (partSize as number));
    if (partCount > maxParts)
      throw invalid(
        `${partCount} parts of ${partSize} bytes: at most ${maxParts} parts are allowed; use parts of at least ${Math.ceil((size as number) / maxParts)} bytes.`,
      );
    if ((await this.open(accountId)).length >= maxOpenPerAccount)
      throw new Ec2Error(
        "ResourceLimitExceeded",
        `You have ${maxOpenPerAccount} uploads open; complete or abort one (DELETE /amigate/uploads/{id}) first.`,
        400,
      );
    const record = {
      uploadId: randomBytes(16).toString("hex"),
      accountId,
      size: size as number,
      sha256,
      partSize: partSize as number,
      createdAt: this.iso(),
    };
    await this.store.createUploadSession(record, record.createdAt);
    return this.sessionOf({ ...record, touchedAt: record.createdAt, parts: [] });
  }

  /** The account's session; anyone else's, or an unknown or malformed id, is NoSuchUpload. */
  async get(accountId: string, uploadId: string): Promise<UploadSession> {
    const stored = UPLOAD_ID.test(uploadId) ? await this.store.uploadSession(uploadId) : undefined;
    if (!stored || stored.accountId !== accountId) throw noSuchUpload(uploadId);
    const s = this.sessionOf(stored);
    await this.touch(s);
    return s;
  }

  /** Restarts the session's expiry. */
  private async touch(s: UploadSession): Promise<void> {
    s.touched = this.clock();
    s.touchedAt = this.iso(s.touched);
    await this.store.touchUploadSession(s.uploadId, s.touchedAt);
  }

  /** Checks a part's number before its body is read. */
  checkPart(s: UploadSession, partNumber: string): number {
    if (s.result || s.assembling)
      throw new Ec2Error(
        "InvalidRequest",
        `The upload ${s.uploadId} is ${s.result ? "finished" : "being completed"}: it takes no more parts.`,
        409,
      );
    const n = /^\d{1,5}$/.test(partNumber) ? Number(partNumber) : 0;
    if (n < 1 || n > s.partCount)
      throw invalid(`The part number must be from 1 to ${s.partCount}, got '${partNumber}'.`);
    return n;
  }

  /**
   * Receives part n into a private file, then keeps it in the blob store if it has exactly the
   * declared length and the signed digest; a part sent again replaces the earlier one.
   */
  async putPart(
    s: UploadSession,
    n: number,
    body: AsyncIterable<Uint8Array>,
    expectedSha256: string,
  ): Promise<Part> {
    const expectedSize = this.partSizeOf(s, n);
    await fsp.mkdir(this.spoolDir, { recursive: true, mode: 0o700 });
    const tmp = path.join(this.spoolDir, `part-${randomBytes(8).toString("hex")}`);
    try {
      const { sha256, size } = await receiveFile(body, tmp, {
        maxBytes: expectedSize,
        tooLong: () => invalid(`Part ${n} is longer than its ${expectedSize} bytes.`),
      });
      if (size !== expectedSize) throw invalid(`Part ${n} has ${size} bytes, not its ${expectedSize}.`);
      if (sha256 !== expectedSha256)
        throw new Ec2Error(
          "XAmzContentSHA256Mismatch",
          `Part ${n}'s digest ${sha256} differs from the signed x-amz-content-sha256.`,
          400,
        );
      const part = { partNumber: n, size, sha256 };
      await this.partBytes.keep(s.uploadId, n, sha256, tmp);
      const replaced = await this.store.recordUploadPart(s.uploadId, part);
      if (replaced === false) {
        // Aborted, expired or finished meanwhile: the bytes kept just now belong to nothing.
        await this.partBytes.delete(s.uploadId, [part]);
        throw noSuchUpload(s.uploadId);
      }
      if (replaced) await this.partBytes.delete(s.uploadId, [replaced]);
      s.parts.set(n, part);
      await this.touch(s);
      return part;
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  /** Part numbers not received yet. */
  missing(s: UploadSession): number[] {
    const out: number[] = [];
    for (let n = 1; n <= s.partCount; n++) if (!s.parts.has(n)) out.push(n);
    return out;
  }

  /** The parts' bytes in order, read from the blob store (whichever node received them). */
  async *bytes(s: UploadSession): AsyncIterable<Uint8Array> {
    for (let n = 1; n <= s.partCount; n++) {
      const p = s.parts.get(n)!;
      yield* await this.partBytes.open(s.uploadId, n, p.sha256);
    }
  }

  /**
   * This node's assembly of the session, started with `assemble` if this node can take the lease
   * (renewed while it runs); undefined when another node's lease is live.
   */
  async assembly(
    s: UploadSession,
    assemble: () => Promise<UploadResult>,
  ): Promise<Promise<UploadResult> | undefined> {
    const running = this.assemblies.get(s.uploadId);
    if (running) return running;
    const claim = () =>
      this.store.claimUploadAssembly(
        s.uploadId,
        this.node,
        this.iso(),
        this.iso(this.clock() + ASSEMBLY_LEASE_MS),
      );
    if (!(await claim())) return undefined;
    s.assembling = true;
    const renew = setInterval(() => void claim().catch(() => {}), ASSEMBLY_LEASE_MS / 3);
    const done = (async () => {
      try {
        return await assemble();
      } finally {
        clearInterval(renew);
        this.assemblies.delete(s.uploadId);
        // Finished: finish() ended the lease; failed for now: the next complete may claim it.
        await this.store.releaseUploadAssembly(s.uploadId, this.node).catch(() => {});
      }
    })();
    this.assemblies.set(s.uploadId, done);
    // Nobody may be waiting when it fails (the client asks again): never an unhandled rejection.
    done.catch(() => {});
    return done;
  }

  /** Keeps the outcome for repeated completes and deletes the parts: they no longer count. */
  async finish(s: UploadSession, result: UploadResult): Promise<void> {
    s.result = result;
    await this.store.finishUploadSession(s.uploadId, result, this.iso());
    // It takes no more parts: everything under the upload goes (a part kept meanwhile deletes itself).
    await this.partBytes.deleteUpload(s.uploadId);
    s.parts.clear();
  }

  async abort(s: UploadSession): Promise<void> {
    if (s.assembling)
      throw new Ec2Error(
        "InvalidRequest",
        `The upload ${s.uploadId} is being completed: it cannot be aborted now.`,
        409,
      );
    await this.remove(s.uploadId);
  }
}
