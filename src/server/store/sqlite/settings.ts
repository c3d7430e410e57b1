/** Per-account settings: image block public access, Allowed AMIs. */
import type { AllowedImagesSettings, AuditRecord, ImageCriterion, SettingsStore } from "../types.js";
import type { SqliteAuditLog } from "./audit.js";
import type { Row, SqliteDatabase } from "./database.js";

export class SqliteSettings implements SettingsStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly log: SqliteAuditLog,
  ) {}

  async blockPublicAccess(accountId: string): Promise<boolean> {
    const row = this.db
      .stmt("SELECT block_public_access FROM account_settings WHERE account_id = ?")
      .get(accountId) as Row | undefined;
    return row?.block_public_access === 1;
  }

  async setBlockPublicAccess(accountId: string, blocked: boolean, audit?: AuditRecord): Promise<void> {
    this.log.write(audit, () => {
      this.db
        .stmt(
          `INSERT INTO account_settings VALUES (?, ?)
         ON CONFLICT(account_id) DO UPDATE SET block_public_access = excluded.block_public_access`,
        )
        .run(accountId, blocked ? 1 : 0);
    });
  }

  async allowedImagesSettings(accountId: string): Promise<AllowedImagesSettings> {
    const row = this.db
      .stmt(
        "SELECT state, criteria, require_passing_verdict FROM allowed_images_settings WHERE account_id = ?",
      )
      .get(accountId) as Row | undefined;
    if (!row) return { state: "disabled", criteria: [], requirePassingVerdict: false };
    return {
      state: row.state as AllowedImagesSettings["state"],
      criteria: JSON.parse(row.criteria as string) as ImageCriterion[],
      requirePassingVerdict: row.require_passing_verdict === 1,
    };
  }

  async updateAllowedImagesSettings(
    accountId: string,
    change: Partial<AllowedImagesSettings>,
    audit?: AuditRecord,
  ): Promise<void> {
    this.log.write(audit, () => {
      this.db.stmt("INSERT OR IGNORE INTO allowed_images_settings (account_id) VALUES (?)").run(accountId);
      if (change.state !== undefined)
        this.db
          .stmt("UPDATE allowed_images_settings SET state = ? WHERE account_id = ?")
          .run(change.state, accountId);
      if (change.criteria !== undefined)
        this.db
          .stmt("UPDATE allowed_images_settings SET criteria = ? WHERE account_id = ?")
          .run(JSON.stringify(change.criteria), accountId);
      if (change.requirePassingVerdict !== undefined)
        this.db
          .stmt("UPDATE allowed_images_settings SET require_passing_verdict = ? WHERE account_id = ?")
          .run(change.requirePassingVerdict ? 1 : 0, accountId);
    });
  }
}
