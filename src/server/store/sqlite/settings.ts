/** Per-account settings: today only image block public access. */
import type { AuditRecord, SettingsStore } from "../types.js";
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
}
