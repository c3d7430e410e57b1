/** Publisher profiles: the URL a listing names beside the account's alias (PUB-1). */
import type { AuditRecord, PublisherStore } from "../types.js";
import type { SqliteAuditLog } from "./audit.js";
import type { Row, SqliteDatabase } from "./database.js";

export class SqlitePublishers implements PublisherStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly log: SqliteAuditLog,
  ) {}

  async publisher(accountId: string): Promise<{ url: string } | undefined> {
    const row = this.db.stmt("SELECT url FROM publishers WHERE account_id = ?").get(accountId) as
      | Row
      | undefined;
    return row && { url: row.url as string };
  }

  async setPublisher(accountId: string, url: string, audit?: AuditRecord): Promise<void> {
    this.log.write(audit, () => {
      this.db
        .stmt(
          `INSERT INTO publishers VALUES (?, ?, ?)
           ON CONFLICT(account_id) DO UPDATE SET url = excluded.url, updated_at = excluded.updated_at`,
        )
        .run(accountId, url, new Date().toISOString());
    });
  }
}
