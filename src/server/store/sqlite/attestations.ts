/** Attestation answers per image version: one row per answered item, the latest answer kept. */
import type { AttestationAnswer } from "../../../policy/result.js";
import type { AttestationStore, AuditRecord } from "../types.js";
import type { SqliteAuditLog } from "./audit.js";
import type { Row, SqliteDatabase } from "./database.js";

export class SqliteAttestations implements AttestationStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly log: SqliteAuditLog,
  ) {}

  async attestations(imageId: string): Promise<Map<string, AttestationAnswer>> {
    const out = new Map<string, AttestationAnswer>();
    for (const row of this.db
      .stmt("SELECT * FROM attestations WHERE image_id = ? ORDER BY item_id")
      .all(imageId) as Row[])
      out.set(row.item_id as string, {
        answer: row.answer as AttestationAnswer["answer"],
        ...(row.comment != null ? { comment: row.comment as string } : {}),
        by: row.answered_by as string,
        at: row.answered_at as string,
      });
    return out;
  }

  async putAttestations(
    imageId: string,
    answers: ReadonlyArray<AttestationAnswer & { id: string }>,
    audit?: AuditRecord,
  ): Promise<void> {
    this.log.write(audit, () => {
      for (const a of answers)
        this.db
          .stmt(
            `INSERT INTO attestations VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(image_id, item_id) DO UPDATE SET answer = excluded.answer, comment = excluded.comment,
               answered_by = excluded.answered_by, answered_at = excluded.answered_at`,
          )
          .run(imageId, a.id, a.answer, a.comment ?? null, a.by, a.at);
    });
  }
}
