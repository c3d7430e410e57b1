/** The record of each stored blob: its size and who uploaded it (the bytes are in store/blobs.ts). */
import type { AuditRecord, BlobRecordStore } from "../types.js";
import type { SqliteAuditLog } from "./audit.js";
import type { Row, SqliteDatabase } from "./database.js";

export class SqliteBlobRecords implements BlobRecordStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly log: SqliteAuditLog,
  ) {}

  async recordBlob(
    blob: { sha256: string; size: number; uploadedBy: string },
    audit?: AuditRecord,
  ): Promise<void> {
    this.log.write(audit, () => {
      this.db
        .stmt("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?, ?)")
        .run(blob.sha256, blob.size, blob.uploadedBy, new Date().toISOString());
    });
  }

  async blob(sha256: string): Promise<{ sha256: string; size: number; uploadedBy: string } | undefined> {
    const row = this.db.stmt("SELECT * FROM blobs WHERE sha256 = ?").get(sha256) as Row | undefined;
    return row && { sha256, size: row.size as number, uploadedBy: row.uploaded_by as string };
  }

  async blobBytes(accountId: string): Promise<number> {
    return this.db
      .stmt("SELECT COALESCE(SUM(size), 0) FROM blobs WHERE uploaded_by = ?")
      .pluck()
      .get(accountId) as number;
  }
}
