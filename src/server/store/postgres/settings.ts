/** Per-account settings: today only image block public access. */
import type { AuditRecord, SettingsStore } from "../types.js";
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
}
