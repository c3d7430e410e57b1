/** The record of each stored blob: its size and who uploaded it (the bytes are the BlobStore's). */
import type { AuditRecord, BlobRecordStore } from "../types.js";
import type { PostgresAuditLog } from "./audit.js";
import type { PostgresDatabase } from "./database.js";

export class PostgresBlobRecords implements BlobRecordStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly log: PostgresAuditLog,
  ) {}

  async recordBlob(
    blob: { sha256: string; size: number; uploadedBy: string },
    audit?: AuditRecord,
  ): Promise<void> {
    await this.log.write(audit, (tx) =>
      tx.run("INSERT INTO blobs VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING", [
        blob.sha256,
        blob.size,
        blob.uploadedBy,
        new Date().toISOString(),
      ]),
    );
  }

  async blob(sha256: string): Promise<{ sha256: string; size: number; uploadedBy: string } | undefined> {
    const row = await this.db.row("SELECT size, uploaded_by FROM blobs WHERE sha256 = $1", [sha256]);
    return row && { sha256, size: row.size as number, uploadedBy: row.uploaded_by as string };
  }

  async blobBytes(accountId: string): Promise<number> {
    const row = await this.db.row(
      "SELECT COALESCE(SUM(size), 0)::bigint AS n FROM blobs WHERE uploaded_by = $1",
      [accountId],
    );
    return row!.n as number;
  }
}
