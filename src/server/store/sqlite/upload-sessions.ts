/** Upload sessions and their part lists (store/upload-session-store.ts) on SQLite. */
import type {
  StoredUploadSession,
  UploadPartRecord,
  UploadResult,
  UploadSessionRecord,
  UploadSessionStore,
} from "../upload-session-store.js";
import type { Row, SqliteDatabase } from "./database.js";

function sessionOf(row: Row, parts: UploadPartRecord[]): StoredUploadSession {
  return {
    uploadId: row.upload_id as string,
    accountId: row.account_id as string,
    size: row.size as number,
    sha256: row.sha256 as string,
    partSize: row.part_size as number,
    createdAt: row.created_at as string,
    touchedAt: row.touched_at as string,
    ...(row.result !== null ? { result: JSON.parse(row.result as string) as UploadResult } : {}),
    ...(row.assembly_until !== null ? { assemblyUntil: row.assembly_until as string } : {}),
    parts,
  };
}

const partOf = (row: Row): UploadPartRecord => ({
  partNumber: row.part_number as number,
  size: row.size as number,
  sha256: row.sha256 as string,
});

export class SqliteUploadSessions implements UploadSessionStore {
  constructor(private readonly db: SqliteDatabase) {}

  async createUploadSession(s: UploadSessionRecord, touchedAt: string): Promise<void> {
    this.db
      .stmt(
        `INSERT INTO upload_sessions (upload_id, account_id, size, sha256, part_size, created_at, touched_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.uploadId, s.accountId, s.size, s.sha256, s.partSize, s.createdAt, touchedAt);
  }

  private parts(uploadId: string): UploadPartRecord[] {
    return (
      this.db
        .stmt("SELECT part_number, size, sha256 FROM upload_parts WHERE upload_id = ? ORDER BY part_number")
        .all(uploadId) as Row[]
    ).map(partOf);
  }

  async uploadSession(uploadId: string): Promise<StoredUploadSession | undefined> {
    const row = this.db.stmt("SELECT * FROM upload_sessions WHERE upload_id = ?").get(uploadId) as
      | Row
      | undefined;
    return row && sessionOf(row, this.parts(uploadId));
  }

  async accountUploadSessions(accountId: string): Promise<StoredUploadSession[]> {
    const rows = this.db
      .stmt("SELECT * FROM upload_sessions WHERE account_id = ? ORDER BY created_at, upload_id")
      .all(accountId) as Row[];
    return rows.map((r) => sessionOf(r, []));
  }

  async touchUploadSession(uploadId: string, touchedAt: string): Promise<void> {
    this.db.stmt("UPDATE upload_sessions SET touched_at = ? WHERE upload_id = ?").run(touchedAt, uploadId);
  }

  async recordUploadPart(
    uploadId: string,
    part: UploadPartRecord,
  ): Promise<UploadPartRecord | undefined | false> {
    return this.db.transaction(() => {
      const open = this.db
        .stmt("SELECT 1 FROM upload_sessions WHERE upload_id = ? AND result IS NULL")
        .get(uploadId);
      if (!open) return false;
      const earlier = this.db
        .stmt("SELECT part_number, size, sha256 FROM upload_parts WHERE upload_id = ? AND part_number = ?")
        .get(uploadId, part.partNumber) as Row | undefined;
      this.db
        .stmt(
          `INSERT INTO upload_parts VALUES (?, ?, ?, ?) ON CONFLICT (upload_id, part_number)
           DO UPDATE SET size = excluded.size, sha256 = excluded.sha256`,
        )
        .run(uploadId, part.partNumber, part.size, part.sha256);
      return earlier && earlier.sha256 !== part.sha256 ? partOf(earlier) : undefined;
    });
  }

  async uploadHeldBytes(accountId: string): Promise<number> {
    return this.db
      .stmt(
        `SELECT COALESCE(SUM(p.size), 0) FROM upload_parts p JOIN upload_sessions s ON s.upload_id = p.upload_id
         WHERE s.account_id = ? AND s.result IS NULL`,
      )
      .pluck()
      .get(accountId) as number;
  }

  async claimUploadAssembly(uploadId: string, holder: string, now: string, until: string): Promise<boolean> {
    const r = this.db
      .stmt(
        `UPDATE upload_sessions SET assembler = ?, assembly_until = ?
         WHERE upload_id = ? AND result IS NULL AND (assembler IS NULL OR assembler = ? OR assembly_until <= ?)`,
      )
      .run(holder, until, uploadId, holder, now);
    return r.changes === 1;
  }

  async releaseUploadAssembly(uploadId: string, holder: string): Promise<void> {
    this.db
      .stmt(
        "UPDATE upload_sessions SET assembler = NULL, assembly_until = NULL WHERE upload_id = ? AND assembler = ?",
      )
      .run(uploadId, holder);
  }

  async finishUploadSession(uploadId: string, result: UploadResult, at: string): Promise<UploadPartRecord[]> {
    return this.db.transaction(() => {
      const parts = this.parts(uploadId);
      this.db.stmt("DELETE FROM upload_parts WHERE upload_id = ?").run(uploadId);
      this.db
        .stmt(
          `UPDATE upload_sessions SET result = ?, touched_at = ?, assembler = NULL, assembly_until = NULL
           WHERE upload_id = ?`,
        )
        .run(JSON.stringify(result), at, uploadId);
      return parts;
    });
  }

  async deleteUploadSession(uploadId: string): Promise<UploadPartRecord[]> {
    return this.db.transaction(() => {
      const parts = this.parts(uploadId);
      this.db.stmt("DELETE FROM upload_sessions WHERE upload_id = ?").run(uploadId);
      return parts;
    });
  }

  async expiredUploadSessions(before: string, now: string): Promise<string[]> {
    return this.db
      .stmt(
        `SELECT upload_id FROM upload_sessions
         WHERE touched_at < ? AND (assembly_until IS NULL OR assembly_until <= ?) ORDER BY upload_id`,
      )
      .pluck()
      .all(before, now) as string[];
  }
}
