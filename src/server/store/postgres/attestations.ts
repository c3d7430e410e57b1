/** Attestation answers per image version: one row per answered item, the latest answer kept. */
import type { AttestationAnswer } from "../../../policy/result.js";
import type { AttestationStore, AuditRecord } from "../types.js";
import type { PostgresAuditLog } from "./audit.js";
import type { PostgresDatabase } from "./database.js";

export class PostgresAttestations implements AttestationStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly log: PostgresAuditLog,
  ) {}

  async attestations(imageId: string): Promise<Map<string, AttestationAnswer>> {
    const out = new Map<string, AttestationAnswer>();
    for (const row of await this.db.rows("SELECT * FROM attestations WHERE image_id = $1 ORDER BY item_id", [
      imageId,
    ]))
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
    await this.log.write(audit, async (tx) => {
      for (const a of answers)
        await tx.run(
          `INSERT INTO attestations VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (image_id, item_id) DO UPDATE SET answer = excluded.answer, comment = excluded.comment,
             answered_by = excluded.answered_by, answered_at = excluded.answered_at`,
          [imageId, a.id, a.answer, a.comment ?? null, a.by, a.at],
        );
    });
  }
}
