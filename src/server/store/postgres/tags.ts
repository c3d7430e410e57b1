/** Tags, per account: each caller sees the tags it set on a resource. */
import type { AuditRecord, Tag, TagStore } from "../types.js";
import type { PostgresAuditLog } from "./audit.js";
import type { PostgresDatabase, Sql } from "./database.js";

export class PostgresTags implements TagStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly log: PostgresAuditLog,
  ) {}

  async tags(accountId: string, resourceIds: string[]): Promise<Map<string, Tag[]>> {
    const out = new Map<string, Tag[]>();
    if (resourceIds.length === 0) return out;
    // One query for the whole page: the caller's tags on these resources (primary key order).
    const rows = await this.db.rows(
      `SELECT resource_id, key, value FROM tags WHERE account_id = $1 AND resource_id = ANY($2::text[])
       ORDER BY resource_id, key`,
      [accountId, resourceIds],
    );
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
      await this.db.rows(
        "SELECT resource_id, key, value FROM tags WHERE account_id = $1 ORDER BY resource_id, key",
        [accountId],
      )
    ).map((r) => ({ resourceId: r.resource_id as string, key: r.key as string, value: r.value as string }));
  }

  async createTags(
    accountId: string,
    resourceIds: string[],
    tags: Tag[],
    audit?: AuditRecord,
  ): Promise<void> {
    await this.log.write(audit, (tx) => this.put(tx, accountId, resourceIds, tags));
  }

  /**
   * Sets tags on resources in one statement, inside the caller's transaction (an image registered
   * with its tags). A key given twice keeps its last value, as one-by-one replacement would.
   */
  async put(tx: Sql, accountId: string, resourceIds: string[], tags: Tag[]): Promise<void> {
    const byKey = new Map(tags.map((t) => [t.key, t.value]));
    if (resourceIds.length === 0 || byKey.size === 0) return;
    await tx.run(
      `INSERT INTO tags (account_id, resource_id, key, value)
       SELECT $1, r, t.key, t.value FROM unnest($2::text[]) AS r
         CROSS JOIN unnest($3::text[], $4::text[]) AS t(key, value)
       ON CONFLICT (account_id, resource_id, key) DO UPDATE SET value = excluded.value`,
      [accountId, [...new Set(resourceIds)], [...byKey.keys()], [...byKey.values()]],
    );
  }

  /** Drops every account's tags on a resource, inside the caller's transaction (a deregistration). */
  async dropResource(tx: Sql, resourceId: string): Promise<void> {
    await tx.run("DELETE FROM tags WHERE resource_id = $1", [resourceId]);
  }

  async deleteTags(
    accountId: string,
    resourceIds: string[],
    tags: Array<{ key: string; value?: string }>,
    audit?: AuditRecord,
  ): Promise<void> {
    await this.log.write(audit, async (tx) => {
      const where = "account_id = $1 AND resource_id = ANY($2::text[])";
      if (tags.length === 0) await tx.run(`DELETE FROM tags WHERE ${where}`, [accountId, resourceIds]);
      for (const t of tags) {
        // A tag named with a value is deleted only if the value matches (EC2 DeleteTags).
        if (t.value === undefined)
          await tx.run(`DELETE FROM tags WHERE ${where} AND key = $3`, [accountId, resourceIds, t.key]);
        else
          await tx.run(`DELETE FROM tags WHERE ${where} AND key = $3 AND value = $4`, [
            accountId,
            resourceIds,
            t.key,
            t.value,
          ]);
      }
    });
  }
}
