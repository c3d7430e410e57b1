/** Upload sessions and their part lists (store/upload-session-store.ts) on PostgreSQL, for every node. */
import type {
  StoredUploadSession,
  UploadPartRecord,
  UploadResult,
  UploadSessionRecord,
  UploadSessionStore,
} from "../upload-session-store.js";
import type { PostgresDatabase, Row, Sql } from "./database.js";

function sessionOf(row: Row, parts: UploadPartRecord[]): StoredUploadSession {
  return {
    uploadId: row.upload_id as string,
    accountId: row.account_id as string,
    size: row.size as number,
    sha256: row.sha256 as string,
    partSize: row.part_size as number,
    createdAt: row.created_at as string,
    touchedAt: row.touched_at as string,
    ...(row.result !== null ? { result: row.result as UploadResult } : {}),
    ...(row.assembly_until !== null ? { assemblyUntil: row.assembly_until as string } : {}),
    parts,
  };
}

const partOf = (row: Row): UploadPartRecord => ({
  partNumber: row.part_number as number,
  size: row.size as number,
  sha256: row.sha256 as string,
});

const partsOf = async (sql: Sql, uploadId: string): Promise<UploadPartRecord[]> =>
  (
    await sql.rows(
      "SELECT part_number, size, sha256 FROM upload_parts WHERE upload_id = $1 ORDER BY part_number",
      [uploadId],
    )
  ).map(partOf);

export class PostgresUploadSessions implements UploadSessionStore {
  constructor(private readonly db: PostgresDatabase) {}

  async createUploadSession(s: UploadSessionRecord, touchedAt: string): Promise<void> {
    await this.db.run(
      `INSERT INTO upload_sessions (upload_id, account_id, size, sha256, part_size, created_at, touched_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [s.uploadId, s.accountId, s.size, s.sha256, s.partSize, s.createdAt, touchedAt],
    );
  }

  async uploadSession(uploadId: string): Promise<StoredUploadSession | undefined> {
    const row = await this.db.row("SELECT * FROM upload_sessions WHERE upload_id = $1", [uploadId]);
    return row && sessionOf(row, await partsOf(this.db, uploadId));
  }

  async accountUploadSessions(accountId: string): Promise<StoredUploadSession[]> {
    const rows = await this.db.rows(
      "SELECT * FROM upload_sessions WHERE account_id = $1 ORDER BY created_at, upload_id",
      [accountId],
    );
    return rows.map((r) => sessionOf(r, []));
  }

  async touchUploadSession(uploadId: string, touchedAt: string): Promise<void> {
    await this.db.run("UPDATE upload_sessions SET touched_at = $1 WHERE upload_id = $2", [
      touchedAt,
      uploadId,
    ]);
  }

  async recordUploadPart(
    uploadId: string,
    part: UploadPartRecord,
  ): Promise<UploadPartRecord | undefined | false> {
    return this.db.transaction(async (tx) => {
      // The session's row lock: two nodes taking part n at once record one after the other.
      const open = await tx.row(
        "SELECT 1 FROM upload_sessions WHERE upload_id = $1 AND result IS NULL FOR UPDATE",
        [uploadId],
      );
      if (!open) return false;
      const earlier = await tx.row(
        "SELECT part_number, size, sha256 FROM upload_parts WHERE upload_id = $1 AND part_number = $2",
        [uploadId, part.partNumber],
      );
      await tx.run(
        `INSERT INTO upload_parts VALUES ($1, $2, $3, $4) ON CONFLICT (upload_id, part_number)
         DO UPDATE SET size = EXCLUDED.size, sha256 = EXCLUDED.sha256`,
        [uploadId, part.partNumber, part.size, part.sha256],
      );
      return earlier && earlier.sha256 !== part.sha256 ? partOf(earlier) : undefined;
    });
  }

  async uploadHeldBytes(accountId: string): Promise<number> {
    const row = await this.db.row(
      `SELECT COALESCE(SUM(p.size), 0)::bigint AS n FROM upload_parts p
       JOIN upload_sessions s ON s.upload_id = p.upload_id WHERE s.account_id = $1 AND s.result IS NULL`,
      [accountId],
    );
    return row!.n as number;
  }

  async claimUploadAssembly(uploadId: string, holder: string, now: string, until: string): Promise<boolean> {
    const n = await this.db.run(
      `UPDATE upload_sessions SET assembler = $1, assembly_until = $2
       WHERE upload_id = $3 AND result IS NULL AND (assembler IS NULL OR assembler = $1 OR assembly_until <= $4)`,
      [holder, until, uploadId, now],
    );
    return n === 1;
  }

  async releaseUploadAssembly(uploadId: string, holder: string): Promise<void> {
    await this.db.run(
      "UPDATE upload_sessions SET assembler = NULL, assembly_until = NULL WHERE upload_id = $1 AND assembler = $2",
      [uploadId, holder],
    );
  }

  async finishUploadSession(uploadId: string, result: UploadResult, at: string): Promise<UploadPartRecord[]> {
    return this.db.transaction(async (tx) => {
      const parts = await partsOf(tx, uploadId);
      await tx.run("DELETE FROM upload_parts WHERE upload_id = $1", [uploadId]);
      await tx.run(
        `UPDATE upload_sessions SET result = $1, touched_at = $2, assembler = NULL, assembly_until = NULL
         WHERE upload_id = $3`,
        [JSON.stringify(result), at, uploadId],
      );
      return parts;
    });
  }

  async deleteUploadSession(uploadId: string): Promise<UploadPartRecord[]> {
    return this.db.transaction(async (tx) => {
      const parts = await partsOf(tx, uploadId);
      await tx.run("DELETE FROM upload_sessions WHERE upload_id = $1", [uploadId]);
      return parts;
    });
  }

  async expiredUploadSessions(before: string, now: string): Promise<string[]> {
    const rows = await this.db.rows(
      `SELECT upload_id FROM upload_sessions
       WHERE touched_at < $1 AND (assembly_until IS NULL OR assembly_until <= $2) ORDER BY upload_id`,
      [before, now],
    );
    return rows.map((r) => r.upload_id as string);
  }
}
