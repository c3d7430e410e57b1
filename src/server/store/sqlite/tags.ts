/** Tags, per account: each caller sees the tags it set on a resource. */
import type { AuditRecord, Tag, TagStore } from "../types.js";
import type { SqliteAuditLog } from "./audit.js";
import type { Row, SqliteDatabase } from "./database.js";

export class SqliteTags implements TagStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly log: SqliteAuditLog,
  ) {}

  async tags(accountId: string, resourceIds: string[]): Promise<Map<string, Tag[]>> {
    const out = new Map<string, Tag[]>();
    // Most accounts tag nothing: one probe of the primary key answers for the whole page.
    if (
      resourceIds.length === 0 ||
      !this.db.stmt("SELECT 1 FROM tags WHERE account_id = ? LIMIT 1").get(accountId)
    )
      return out;
    // One query for the whole page: the caller's tags on these resources (primary key order).
    const rows = this.db
      .stmt(
        `SELECT resource_id, key, value FROM tags WHERE account_id = ?
       AND resource_id IN (SELECT value FROM json_each(?)) ORDER BY resource_id, key`,
      )
      .all(accountId, JSON.stringify(resourceIds)) as Row[];
    for (const r of rows) {
      const id = r.resource_id as string;
      const list = out.get(id) ?? [];
      if (list.length === 0) out.set(id, list);
      list.push({ key: r.key as string, value: r.value as string });
    }
    return out;
  }

  async accountTags(accountId: string): Promise<Array<Tag & { resourceId: string }>> {
    return (
      this.db
        .stmt("SELECT resource_id, key, value FROM tags WHERE account_id = ? ORDER BY resource_id, key")
        .all(accountId) as Row[]
    ).map((r) => ({ resourceId: r.resource_id as string, key: r.key as string, value: r.value as string }));
  }

  async createTags(
    accountId: string,
    resourceIds: string[],
    tags: Tag[],
    audit?: AuditRecord,
  ): Promise<void> {
    this.log.write(audit, () => {
      for (const id of resourceIds) for (const t of tags) this.put(accountId, id, t);
    });
  }

  /** Sets one tag, inside the caller's transaction (an image registered with its tags). */
  put(accountId: string, resourceId: string, tag: Tag): void {
    this.db
      .stmt("INSERT OR REPLACE INTO tags VALUES (?, ?, ?, ?)")
      .run(accountId, resourceId, tag.key, tag.value);
  }

  /** Drops every account's tags on a resource, inside the caller's transaction (a deregistration). */
  dropResource(resourceId: string): void {
    this.db.stmt("DELETE FROM tags WHERE resource_id = ?").run(resourceId);
  }

  async deleteTags(
    accountId: string,
    resourceIds: string[],
    tags: Array<{ key: string; value?: string }>,
    audit?: AuditRecord,
  ): Promise<void> {
    this.log.write(audit, () => {
      for (const id of resourceIds) {
        if (tags.length === 0)
          this.db.stmt("DELETE FROM tags WHERE account_id = ? AND resource_id = ?").run(accountId, id);
        for (const t of tags) {
          // A tag named with a value is deleted only if the value matches (EC2 DeleteTags).
          if (t.value === undefined)
            this.db
              .stmt("DELETE FROM tags WHERE account_id = ? AND resource_id = ? AND key = ?")
              .run(accountId, id, t.key);
          else
            this.db
              .stmt("DELETE FROM tags WHERE account_id = ? AND resource_id = ? AND key = ? AND value = ?")
              .run(accountId, id, t.key, t.value);
        }
      }
    });
  }
}
