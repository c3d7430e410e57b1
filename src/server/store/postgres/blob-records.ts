/**
 * The record of each stored blob: its size and every account that uploaded it (the bytes are the
 * BlobStore's);
 * and the bytes uploads in flight reserve against their account's quota, for every node at once.
 */
import type { AuditRecord, BlobRecordStore, UploadReservation } from "../types.js";
import type { PostgresAuditLog } from "./audit.js";
import type { PostgresDatabase } from "./database.js";

/** Bytes of the blobs account $1 uploaded, each counted once. */
const UPLOADED_BYTES =
  "SELECT COALESCE(SUM(b.size), 0) FROM blob_uploaders u JOIN blobs b ON b.sha256 = u.sha256 WHERE u.account_id = $1";

export class PostgresBlobRecords implements BlobRecordStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly log: PostgresAuditLog,
  ) {}

  async recordBlob(
    blob: { sha256: string; size: number; uploadedBy: string },
    audit?: AuditRecord,
  ): Promise<void> {
    const at = new Date().toISOString();
    await this.log.write(audit, async (tx) => {
      await tx.run("INSERT INTO blobs VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING", [
        blob.sha256,
        blob.size,
        blob.uploadedBy,
        at,
      ]);
      await tx.run("INSERT INTO blob_uploaders VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [
        blob.sha256,
        blob.uploadedBy,
        at,
      ]);
    });
  }

  async blob(sha256: string): Promise<{ sha256: string; size: number; uploadedBy: string } | undefined> {
    const row = await this.db.row("SELECT size, uploaded_by FROM blobs WHERE sha256 = $1", [sha256]);
    return row && { sha256, size: row.size as number, uploadedBy: row.uploaded_by as string };
  }

  async uploadedBlob(
    sha256: string,
    accountId: string,
  ): Promise<{ sha256: string; size: number } | undefined> {
    const row = await this.db.row(
      "SELECT b.size FROM blob_uploaders u JOIN blobs b ON b.sha256 = u.sha256 WHERE u.sha256 = $2 AND u.account_id = $1",
      [accountId, sha256],
    );
    return row && { sha256, size: row.size as number };
  }

  async blobBytes(accountId: string): Promise<number> {
    const row = await this.db.row(`SELECT (${UPLOADED_BYTES})::bigint AS n`, [accountId]);
    return row!.n as number;
  }

  async reserveUpload(r: UploadReservation): Promise<{ granted: boolean; used: number }> {
    return this.db.transaction(async (tx) => {
      // The account's row lock: two nodes reserving for one account decide one after the other.
      await tx.run("SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE", [r.accountId]);
      await tx.run("DELETE FROM upload_reservations WHERE account_id = $1 AND expires_at <= $2", [
        r.accountId,
        r.now,
      ]);
      const row = await tx.row(
        `SELECT (${UPLOADED_BYTES})::bigint
              + (SELECT COALESCE(SUM(bytes), 0) FROM upload_reservations
                  WHERE account_id = $1 AND reservation_id <> $2)::bigint AS n`,
        [r.accountId, r.reservationId],
      );
      const used = (row!.n as number) + r.extraBytes;
      if (used + r.bytes > r.quota) return { granted: false, used };
      await tx.run(
        `INSERT INTO upload_reservations VALUES ($1, $2, $3, $4)
         ON CONFLICT (reservation_id) DO UPDATE SET bytes = EXCLUDED.bytes, expires_at = EXCLUDED.expires_at`,
        [r.reservationId, r.accountId, r.bytes, r.expiresAt],
      );
      return { granted: true, used };
    });
  }

  async releaseUpload(reservationId: string): Promise<void> {
    await this.db.run("DELETE FROM upload_reservations WHERE reservation_id = $1", [reservationId]);
  }

  async accountBytes(accountId: string, now: string): Promise<number> {
    const row = await this.db.row(
      `SELECT (${UPLOADED_BYTES})::bigint
            + (SELECT COALESCE(SUM(bytes), 0) FROM upload_reservations
                WHERE account_id = $1 AND expires_at > $2)::bigint AS n`,
      [accountId, now],
    );
    return row!.n as number;
  }
}
