/** Per-account settings: image block public access, Allowed AMIs. */
import type { AllowedImagesSettings, AuditRecord, ImageCriterion, SettingsStore } from "../types.js";
import type { PostgresAuditLog } from "./audit.js";
import type { PostgresDatabase } from "./database.js";

export class PostgresSettings implements SettingsStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly log: PostgresAuditLog,
  ) {}

  async blockPublicAccess(accountId: string): Promise<boolean> {
    const row = await this.db.row("SELECT block_public_access FROM account_settings WHERE account_id = $1", [
      accountId,
    ]);
    return row?.block_public_access === true;
  }

  async setBlockPublicAccess(accountId: string, blocked: boolean, audit?: AuditRecord): Promise<void> {
    await this.log.write(audit, (tx) =>
      tx.run(
        `INSERT INTO account_settings VALUES ($1, $2)
         ON CONFLICT (account_id) DO UPDATE SET block_public_access = excluded.block_public_access`,
        [accountId, blocked],
      ),
    );
  }

  async allowedImagesSettings(accountId: string): Promise<AllowedImagesSettings> {
    const row = await this.db.row(
      "SELECT state, criteria, require_passing_verdict FROM allowed_images_settings WHERE account_id = $1",
      [accountId],
    );
    if (!row) return { state: "disabled", criteria: [], requirePassingVerdict: false };
    return {
      state: row.state as AllowedImagesSettings["state"],
      criteria: row.criteria as ImageCriterion[],
      requirePassingVerdict: row.require_passing_verdict === true,
    };
  }

  async updateAllowedImagesSettings(
    accountId: string,
    change: Partial<AllowedImagesSettings>,
    audit?: AuditRecord,
  ): Promise<void> {
    await this.log.write(audit, async (tx) => {
      await tx.run(
        "INSERT INTO allowed_images_settings (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING",
        [accountId],
      );
      await tx.run(
        `UPDATE allowed_images_settings SET state = coalesce($2, state), criteria = coalesce($3::json, criteria),
           require_passing_verdict = coalesce($4, require_passing_verdict) WHERE account_id = $1`,
        [
          accountId,
          change.state ?? null,
          change.criteria !== undefined ? JSON.stringify(change.criteria) : null,
          change.requirePassingVerdict ?? null,
        ],
      );
    });
  }
}
