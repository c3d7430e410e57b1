/**
 * Upload sessions' records and part lists in the catalogue's database (migration 10), so any API
 * node answers any request of a resumable push; the parts' bytes are in the shared blob store
 * (BlobStore.parts). One node assembles a session at a time, under a lease it renews.
 */

/** What a session was declared as. */
export interface UploadSessionRecord {
  uploadId: string;
  accountId: string;
  size: number;
  sha256: string;
  partSize: number;
  createdAt: string;
}

export interface UploadPartRecord {
  partNumber: number;
  size: number;
  sha256: string;
}

/** What a finished session answers to a repeated complete (kept until the session expires). */
export type UploadResult =
  | { imageLocation: string; sha256: string; size: number }
  | { error: { code: string; message: string } };

export interface StoredUploadSession extends UploadSessionRecord {
  /** Last request that touched it (ISO). */
  touchedAt: string;
  result?: UploadResult;
  /** While a node assembles it: until when its lease holds (ISO). */
  assemblyUntil?: string;
  parts: UploadPartRecord[];
}

export interface UploadSessionStore {
  createUploadSession(s: UploadSessionRecord, touchedAt: string): Promise<void>;
  /** The session with its parts in part order. */
  uploadSession(uploadId: string): Promise<StoredUploadSession | undefined>;
  /** The account's sessions, without their parts. */
  accountUploadSessions(accountId: string): Promise<StoredUploadSession[]>;
  touchUploadSession(uploadId: string, touchedAt: string): Promise<void>;
  /** Records part n (replacing an earlier one): the replaced part, if its bytes differ. False: no session. */
  recordUploadPart(uploadId: string, part: UploadPartRecord): Promise<UploadPartRecord | undefined | false>;
  /** Bytes of parts the account's unfinished sessions hold (they count against its quota). */
  uploadHeldBytes(accountId: string): Promise<number>;
  /**
   * Takes (or renews) the assembly lease for `holder` until `until` if no other holder's lease
   * is live at `now` and the session is unfinished; false otherwise.
   */
  claimUploadAssembly(uploadId: string, holder: string, now: string, until: string): Promise<boolean>;
  releaseUploadAssembly(uploadId: string, holder: string): Promise<void>;
  /** Keeps the result, ends the lease and forgets the parts (returned, for their bytes to go). */
  finishUploadSession(uploadId: string, result: UploadResult, at: string): Promise<UploadPartRecord[]>;
  /** Deletes the session: its parts are returned, for their bytes to go. */
  deleteUploadSession(uploadId: string): Promise<UploadPartRecord[]>;
  /** Sessions untouched since `before` and not under a live assembly lease at `now`. */
  expiredUploadSessions(before: string, now: string): Promise<string[]>;
}
