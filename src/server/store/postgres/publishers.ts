/** Publisher profiles: the URL a listing names beside the account's alias (PUB-1). */
import type { AuditRecord, PublisherStore } from "../types.js";
import type { PostgresAuditLog } from "./audit.js";
import type { PostgresDatabase } from "./database.js";

export class PostgresPublishers implements PublisherStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly log: PostgresAuditLog,
  ) {}

  async publisher(accountId: string): Promise<{ url: string } | undefined> {
    const row = await this.db.row("SELECT url FROM publishers WHERE account_id = $1", [accountId]);
    return row && { url: row.url as string };
  }

  async setPublisher(accountId: string, url: string, audit?: AuditRecord): Promise<void> {
    await this.log.write(audit, (tx) =>
      tx.run(
        `INSERT INTO publishers VALUES ($1, $2, $3)
         ON CONFLICT (account_id) DO UPDATE SET url = excluded.url, updated_at = excluded.updated_at`,
        [accountId, url, new Date().toISOString()],
      ),
    );
  }
}
