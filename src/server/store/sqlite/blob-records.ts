/**
 * The record of each stored blob: its size and every account that uploaded it (the bytes are in
 * store/blobs.ts); and the bytes uploads in flight reserve against their account's quota.
 */
import type { AuditRecord, BlobRecordStore, UploadReservation } from "../types.js";
import type { SqliteAuditLog } from "./audit.js";
import type { Row, SqliteDatabase } from "./database.js";

/** Bytes of the blobs account ? uploaded, each counted once. */
const UPLOADED_BYTES =
  "SELECT COALESCE(SUM(b.size), 0) FROM blob_uploaders u JOIN blobs b ON b.sha256 = u.sha256 WHERE u.account_id = ?";

export class SqliteBlobRecords implements BlobRecordStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly log: SqliteAuditLog,
  ) {}

  async recordBlob(
    blob: { sha256: string; size: number; uploadedBy: string },
    audit?: AuditRecord,
  ): Promise<void> {
    const at = new Date().toISOString();
    this.log.write(audit, () => {
      this.db
        .stmt("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?, ?)")
        .run(blob.sha256, blob.size, blob.uploadedBy, at);
      this.db
        .stmt("INSERT OR IGNORE INTO blob_uploaders VALUES (?, ?, ?)")
        .run(blob.sha256, blob.uploadedBy, at);
    });
  }

  async blob(sha256: string): Promise<{ sha256: string; size: number; uploadedBy: string } | undefined> {
    const row = this.db.stmt("SELECT * FROM blobs WHERE sha256 = ?").get(sha256) as Row | undefined;
    return row && { sha256, size: row.size as number, uploadedBy: row.uploaded_by as string };
  }

  async uploadedBlob(
    sha256: string,
    accountId: string,
  ): Promise<{ sha256: string; size: number } | undefined> {
    const size = this.db
      .stmt(
        "SELECT b.size FROM blob_uploaders u JOIN blobs b ON b.sha256 = u.sha256 WHERE u.sha256 = ? AND u.account_id = ?",
      )
      .pluck()
      .get(sha256, accountId) as number | undefined;
    return size === undefined ? undefined : { sha256, size };
  }

  async blobBytes(accountId: string): Promise<number> {
    return this.db.stmt(UPLOADED_BYTES).pluck().get(accountId) as number;
  }

  async reserveUpload(r: UploadReservation): Promise<{ granted: boolean; used: number }> {
    return this.db.transaction(() => {
      this.db
        .stmt("DELETE FROM upload_reservations WHERE account_id = ? AND expires_at <= ?")
        .run(r.accountId, r.now);
      const stored = this.db
        .stmt(
          `SELECT (${UPLOADED_BYTES})
                + (SELECT COALESCE(SUM(bytes), 0) FROM upload_reservations
                    WHERE account_id = ? AND reservation_id <> ?)`,
        )
        .pluck()
        .get(r.accountId, r.accountId, r.reservationId) as number;
      const used = stored + r.extraBytes;
      if (used + r.bytes > r.quota) return { granted: false, used };
      this.db
        .stmt(
          `INSERT INTO upload_reservations VALUES (?, ?, ?, ?)
           ON CONFLICT (reservation_id) DO UPDATE SET bytes = excluded.bytes, expires_at = excluded.expires_at`,
        )
        .run(r.reservationId, r.accountId, r.bytes, r.expiresAt);
      return { granted: true, used };
    });
  }

  async releaseUpload(reservationId: string): Promise<void> {
    this.db.stmt("DELETE FROM upload_reservations WHERE reservation_id = ?").run(reservationId);
  }

  async accountBytes(accountId: string, now: string): Promise<number> {
    return this.db
      .stmt(
        `SELECT (${UPLOADED_BYTES})
              + (SELECT COALESCE(SUM(bytes), 0) FROM upload_reservations
                  WHERE account_id = ? AND expires_at > ?)`,
      )
      .pluck()
      .get(accountId, accountId, now) as number;
  }
}
