/**
 * Resumable uploads (docs/server.md "Upload sessions"): a client declares an image's size, SHA-256
 * and part size, sends the parts in any order and as often as it needs (each one digest-checked
 * and kept as a file), asks which parts arrived, and completes; the parts are then read in order
 * through the blob store's own spool, digest check and vetting (upload-routes.ts). Sessions live
 * in <dataDir>/uploads/<id>/ (session.json, parts/<n>.<sha256>, result.json once finished) and
 * survive restarts; one untouched for `expiryMs` is deleted with its parts.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, promises as fsp } from "node:fs";
import path from "node:path";
import { Ec2Error } from "./ec2/errors.js";
import { receiveFile } from "./store/blob-spool.js";

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

export interface Part {
  partNumber: number;
  size: number;
  sha256: string;
}

/** What a finished session answers to a repeated complete (kept until the session expires). */
export type UploadResult =
  | { imageLocation: string; sha256: string; size: number }
  | { error: { code: string; message: string } };

interface SessionRecord {
  uploadId: string;
  accountId: string;
  size: number;
  sha256: string;
  partSize: number;
  createdAt: string;
}

export interface UploadSession extends SessionRecord {
  partCount: number;
  parts: Map<number, Part>;
  /** Last request that touched it (ms since the epoch). */
  touched: number;
  assembling?: Promise<UploadResult>;
  result?: UploadResult;
}

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const PART_FILE = /^(\d{1,5})\.([0-9a-f]{64})$/;

export const noSuchUpload = (uploadId: string): Ec2Error =>
  new Ec2Error(
    "NoSuchUpload",
    `The upload ${uploadId} does not exist (it was completed long ago, aborted or expired).`,
    404,
  );

const invalid = (message: string): Ec2Error => new Ec2Error("InvalidParameterValue", message, 400);

export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();
  private loaded: Promise<void> | undefined;
  private lastSweep = 0;

  constructor(
    readonly dir: string,
    readonly limits: UploadSessionLimits = DEFAULT_UPLOAD_SESSION_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {}

  private sessionDir(uploadId: string): string {
    return path.join(this.dir, uploadId);
  }

  /** Reads the sessions left by an earlier run, once; then sweeps the expired ones (at most once a minute). */
  async ready(): Promise<void> {
    this.loaded ??= this.load();
    await this.loaded;
    if (this.clock() - this.lastSweep >= 60_000) await this.sweep();
  }

  private async load(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (const uploadId of await fsp.readdir(this.dir)) {
      if (!UPLOAD_ID.test(uploadId)) continue;
      const d = this.sessionDir(uploadId);
      try {
        const record = JSON.parse(await fsp.readFile(path.join(d, "session.json"), "utf8")) as SessionRecord;
        const session = this.fresh(record, (await fsp.stat(path.join(d, "session.json"))).mtimeMs);
        const result = await fsp.readFile(path.join(d, "result.json"), "utf8").catch(() => undefined);
        if (result !== undefined) session.result = JSON.parse(result) as UploadResult;
        for (const name of await fsp.readdir(path.join(d, "parts")).catch(() => [] as string[])) {
          const m = PART_FILE.exec(name);
          if (!m) continue;
          const st = await fsp.stat(path.join(d, "parts", name));
          const n = Number(m[1]);
          session.parts.set(n, { partNumber: n, size: st.size, sha256: m[2]! });
        }
        this.sessions.set(uploadId, session);
      } catch {
        // A session cut short while being created or deleted: nothing in it to keep.
        await fsp.rm(d, { recursive: true, force: true });
      }
    }
  }

  private fresh(record: SessionRecord, touched: number): UploadSession {
    return {
      ...record,
      partCount: Math.max(1, Math.ceil(record.size / record.partSize)),
      parts: new Map(),
      touched,
    };
  }

  /** Deletes sessions untouched for expiryMs (never one being assembled). */
  async sweep(): Promise<void> {
    this.lastSweep = this.clock();
    for (const s of [...this.sessions.values()])
      if (!s.assembling && this.clock() - s.touched > this.limits.expiryMs) await this.remove(s);
  }

  private async remove(s: UploadSession): Promise<void> {
    this.sessions.delete(s.uploadId);
    await fsp.rm(this.sessionDir(s.uploadId), { recursive: true, force: true });
  }

  /** The account's sessions that still take parts or are being assembled. */
  open(accountId: string): UploadSession[] {
    return [...this.sessions.values()].filter((s) => s.accountId === accountId && !s.result);
  }

  /** Bytes of parts the account's open sessions hold (they count against its quota). */
  heldBytes(accountId: string): number {
    let n = 0;
    for (const s of this.open(accountId)) for (const p of s.parts.values()) n += p.size;
    return n;
  }

  expiresAt(s: UploadSession): string {
    return new Date(s.touched + this.limits.expiryMs).toISOString();
  }

  /** The declared size of part n (1-based): the part size, the last one the rest. */
  partBytes(s: UploadSession, n: number): number {
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
    if (this.open(accountId).length >= maxOpenPerAccount)
      throw new Ec2Error(
        "ResourceLimitExceeded",
        `You have ${maxOpenPerAccount} uploads open; complete or abort one (DELETE /amigate/uploads/{id}) first.`,
        400,
      );
    const record: SessionRecord = {
      uploadId: randomBytes(16).toString("hex"),
      accountId,
      size: size as number,
      sha256,
      partSize: partSize as number,
      createdAt: new Date(this.clock()).toISOString(),
    };
    const d = this.sessionDir(record.uploadId);
    await fsp.mkdir(path.join(d, "parts"), { recursive: true, mode: 0o700 });
    await fsp.writeFile(path.join(d, "session.json"), JSON.stringify(record), { mode: 0o600 });
    const session = this.fresh(record, this.clock());
    await this.touch(session);
    this.sessions.set(record.uploadId, session);
    return session;
  }

  /** The account's session; anyone else's, or an unknown or malformed id, is NoSuchUpload. */
  async get(accountId: string, uploadId: string): Promise<UploadSession> {
    const s = UPLOAD_ID.test(uploadId) ? this.sessions.get(uploadId) : undefined;
    if (!s || s.accountId !== accountId) throw noSuchUpload(uploadId);
    await this.touch(s);
    return s;
  }

  /** Restarts the session's expiry; kept as session.json's mtime, so a restart knows it. */
  private async touch(s: UploadSession): Promise<void> {
    s.touched = this.clock();
    const t = s.touched / 1000;
    await fsp.utimes(path.join(this.sessionDir(s.uploadId), "session.json"), t, t).catch(() => {});
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
   * Receives part n into a private file, then keeps it if it has exactly the declared length and
   * the signed digest; a part sent again replaces the earlier one.
   */
  async putPart(
    s: UploadSession,
    n: number,
    body: AsyncIterable<Uint8Array>,
    expectedSha256: string,
  ): Promise<Part> {
    const expectedSize = this.partBytes(s, n);
    const d = this.sessionDir(s.uploadId);
    const tmp = path.join(d, `incoming-${randomBytes(8).toString("hex")}`);
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
      if (!this.sessions.has(s.uploadId)) throw noSuchUpload(s.uploadId);
      const name = `${String(n).padStart(5, "0")}.${sha256}`;
      await fsp.rename(tmp, path.join(d, "parts", name));
      const earlier = s.parts.get(n);
      if (earlier && earlier.sha256 !== sha256)
        await fsp.rm(path.join(d, "parts", `${String(n).padStart(5, "0")}.${earlier.sha256}`), {
          force: true,
        });
      const part = { partNumber: n, size, sha256 };
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

  /** The parts' bytes in order, read from their files. */
  async *bytes(s: UploadSession): AsyncIterable<Uint8Array> {
    const d = path.join(this.sessionDir(s.uploadId), "parts");
    for (let n = 1; n <= s.partCount; n++) {
      const p = s.parts.get(n)!;
      yield* createReadStream(path.join(d, `${String(n).padStart(5, "0")}.${p.sha256}`), {
        highWaterMark: 1024 * 1024,
      });
    }
  }

  /** Keeps the outcome for repeated completes and drops the parts: they no longer count. */
  async finish(s: UploadSession, result: UploadResult): Promise<void> {
    s.result = result;
    const d = this.sessionDir(s.uploadId);
    await fsp.writeFile(path.join(d, "result.json"), JSON.stringify(result), { mode: 0o600 });
    await fsp.rm(path.join(d, "parts"), { recursive: true, force: true });
    s.parts.clear();
    await this.touch(s);
  }

  async abort(s: UploadSession): Promise<void> {
    if (s.assembling)
      throw new Ec2Error(
        "InvalidRequest",
        `The upload ${s.uploadId} is being completed: it cannot be aborted now.`,
        409,
      );
    await this.remove(s);
  }
}
