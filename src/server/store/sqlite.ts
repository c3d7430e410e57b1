import path from "node:path";
import Database from "better-sqlite3";
import { newAccessKeyId, newAccountId, newSecretAccessKey } from "../ids.js";
import { ImageCache } from "./image-cache.js";
import { imageQuerySql } from "./image-query.js";
import { MIGRATIONS } from "./migrations.js";
import type { SecretBox } from "./secret-box.js";
import type {
  Account,
  AuditEntry,
  AuditRecord,
  Image,
  ImageQuery,
  LaunchPermission,
  NewAccount,
  ScanRecord,
  Store,
  Tag,
} from "./types.js";

type Row = Record<string, unknown>;
type PermissionKind = "userId" | "group" | "organizationArn" | "organizationalUnitArn";

export function permissionKey(p: LaunchPermission): [PermissionKind, string] {
  if ("userId" in p) return ["userId", p.userId];
  if ("group" in p) return ["group", p.group];
  if ("organizationArn" in p) return ["organizationArn", p.organizationArn];
  return ["organizationalUnitArn", p.organizationalUnitArn];
}

function permissionOf(kind: string, value: string): LaunchPermission {
  return { [kind]: value } as LaunchPermission;
}

function accountOf(row: Row): Account {
  return {
    accountId: row.account_id as string,
    ...(row.alias != null ? { alias: row.alias as string } : {}),
    admin: row.admin === 1,
    createdAt: row.created_at as string,
  };
}

/**
 * SQLite in WAL mode: one writer, readers never blocked, so `amigate accounts create` can write
 * while `amigate serve` runs on the same file. synchronous=NORMAL in WAL keeps every committed
 * transaction across a process crash (kill -9); only a power loss can drop the last commits.
 */
/** Index of the first image whose id is greater than `after` in a list in id order (binary search). */
function firstAfter(sorted: readonly Image[], after: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.imageId <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private dataVersion?: Database.Statement;
  private readonly cache = new ImageCache(Number(process.env.AMIGATE_IMAGE_CACHE ?? 50_000), () => {
    this.dataVersion ??= this.db.prepare("PRAGMA data_version").pluck();
    return this.dataVersion.get() as number;
  });

  constructor(
    dataDir: string,
    private readonly secrets: SecretBox,
  ) {
    this.db = new Database(path.join(dataDir, "catalogue.db"));
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    this.migrate();
  }

  private migrate(): void {
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    );
    const applied = new Set(
      (this.db.prepare("SELECT version FROM migrations").all() as Row[]).map((r) => r.version as number),
    );
    MIGRATIONS.forEach((sql, i) => {
      if (applied.has(i + 1)) return;
      this.db
        .transaction(() => {
          this.db.exec(sql);
          this.db.prepare("INSERT INTO migrations VALUES (?, ?)").run(i + 1, new Date().toISOString());
        })
        .immediate();
    });
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      // Query shapes vary with list lengths; keep the cache bounded.
      if (this.statements.size > 512) this.statements.clear();
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async createAccount(opts: { alias?: string; admin?: boolean; accountId?: string }): Promise<NewAccount> {
    const account: Account = {
      accountId: opts.accountId ?? newAccountId(),
      ...(opts.alias !== undefined ? { alias: opts.alias } : {}),
      admin: opts.admin === true,
      createdAt: new Date().toISOString(),
    };
    const accessKeyId = newAccessKeyId();
    const secretAccessKey = newSecretAccessKey();
    this.db
      .transaction(() => {
        this.stmt("INSERT INTO accounts VALUES (?, ?, ?, ?)").run(
          account.accountId,
          account.alias ?? null,
          account.admin ? 1 : 0,
          account.createdAt,
        );
        this.stmt("INSERT INTO access_keys VALUES (?, ?, ?, ?)").run(
          accessKeyId,
          account.accountId,
          this.secrets.seal(secretAccessKey, accessKeyId),
          account.createdAt,
        );
      })
      .immediate();
    return { account, accessKeyId, secretAccessKey };
  }

  async account(accountId: string): Promise<Account | undefined> {
    const row = this.stmt("SELECT * FROM accounts WHERE account_id = ?").get(accountId) as Row | undefined;
    return row && accountOf(row);
  }

  async accountByAlias(alias: string): Promise<Account | undefined> {
    const row = this.stmt("SELECT * FROM accounts WHERE alias = ?").get(alias) as Row | undefined;
    return row && accountOf(row);
  }

  async accounts(): Promise<Account[]> {
    return (this.stmt("SELECT * FROM accounts ORDER BY created_at").all() as Row[]).map(accountOf);
  }

  async accessKey(accessKeyId: string): Promise<{ accountId: string; secretAccessKey: string } | undefined> {
    const row = this.stmt("SELECT account_id, secret_sealed FROM access_keys WHERE access_key_id = ?").get(
      accessKeyId,
    ) as Row | undefined;
    if (!row) return undefined;
    return {
      accountId: row.account_id as string,
      secretAccessKey: this.secrets.open(row.secret_sealed as Buffer, accessKeyId),
    };
  }

  async insertImage(image: Image, tags: Tag[], audit?: AuditRecord): Promise<void> {
    this.write(audit, () => {
      this.stmt(
        "INSERT INTO images (image_id, owner_id, name, is_public, blob_sha256, doc) VALUES (?, ?, ?, ?, ?, ?)",
      ).run(
        image.imageId,
        image.ownerId,
        image.name,
        image.isPublic ? 1 : 0,
        image.blob?.sha256 ?? null,
        JSON.stringify(image),
      );
      for (const t of tags)
        this.stmt("INSERT OR REPLACE INTO tags VALUES (?, ?, ?, ?)").run(
          image.ownerId,
          image.imageId,
          t.key,
          t.value,
        );
    });
    this.cache.delete(image.imageId);
  }

  async image(imageId: string): Promise<Image | undefined> {
    this.cache.sync();
    return this.imageNow(imageId);
  }

  /** From the cache, or one read of the row (the cache is synced by the caller). */
  private imageNow(imageId: string): Image | undefined {
    const cached = this.cache.get(imageId);
    if (cached) return cached;
    const row = this.stmt("SELECT image_id, is_public, doc FROM images WHERE image_id = ?").get(imageId) as
      | Row
      | undefined;
    return row && this.cache.put(row);
  }

  async queryImages(q: ImageQuery): Promise<Image[]> {
    this.cache.sync();
    const { sql, params, notOwnedBy, limit, grantsTo } = imageQuerySql(q);
    const read = () => {
      const images = this.documents(this.stmt(sql).pluck().all(params) as string[]);
      return notOwnedBy === undefined ? images : images.filter((i) => i.ownerId !== notOwnedBy);
    };
    let images: readonly Image[];
    if (grantsTo !== undefined) {
      // The images granted to the caller, cached per account until any image or launch
      // permission changes (never from inside a transaction: its writes are not committed yet).
      const all = this.db.inTransaction
        ? read()
        : (this.cache.grantsTo(grantsTo) ?? this.cache.putGrants(grantsTo, read()));
      images = q.afterImageId === undefined ? all : all.slice(firstAfter(all, q.afterImageId));
    } else images = read();
    return limit !== undefined ? images.slice(0, limit) : [...images];
  }

  /** Documents for ids, in their order: from the cache, the rest in one set-based read. */
  private documents(ids: string[]): Image[] {
    const out: Array<Image | undefined> = ids.map((id) => this.cache.get(id));
    const missing = ids.filter((_, n) => out[n] === undefined);
    if (missing.length > 0) {
      const fresh = new Map<string, Image>();
      for (const row of this.stmt(
        "SELECT image_id, is_public, doc FROM images WHERE image_id IN (SELECT value FROM json_each(?))",
      ).all(JSON.stringify(missing)) as Row[])
        fresh.set(row.image_id as string, this.cache.put(row));
      for (let n = 0; n < out.length; n++) out[n] ??= fresh.get(ids[n]!);
    }
    // A grant whose image is gone (none should outlive it: ON DELETE CASCADE) is left out.
    return out.filter((i): i is Image => i !== undefined);
  }

  async updateImage(
    imageId: string,
    patch: Partial<Omit<Image, "imageId" | "ownerId">>,
    audit?: AuditRecord,
  ): Promise<void> {
    this.write(audit, () => {
      this.cache.sync();
      const current = this.imageNow(imageId);
      if (!current) return;
      const image = { ...current, ...patch };
      this.stmt("UPDATE images SET name = ?, doc = ? WHERE image_id = ?").run(
        image.name,
        JSON.stringify(image),
        imageId,
      );
    });
    this.cache.delete(imageId);
  }

  async deleteImage(imageId: string, audit?: AuditRecord): Promise<void> {
    this.write(audit, () => {
      this.stmt("DELETE FROM images WHERE image_id = ?").run(imageId);
      this.stmt("DELETE FROM tags WHERE resource_id = ?").run(imageId);
    });
    this.cache.delete(imageId);
  }

  async countPublicImages(ownerId: string): Promise<number> {
    const row = this.stmt("SELECT count(*) AS n FROM images WHERE owner_id = ? AND is_public = 1").get(
      ownerId,
    ) as Row;
    return row.n as number;
  }

  async launchPermissions(imageId: string): Promise<readonly LaunchPermission[]> {
    this.cache.sync();
    return (
      this.cache.launchPermissions(imageId) ??
      this.cache.putLaunchPermissions(
        imageId,
        (
          this.stmt("SELECT kind, value FROM launch_permissions WHERE image_id = ? ORDER BY seq").all(
            imageId,
          ) as Row[]
        ).map((r) => permissionOf(r.kind as string, r.value as string)),
      )
    );
  }

  async modifyLaunchPermissions(
    imageId: string,
    add: LaunchPermission[],
    remove: LaunchPermission[],
    audit?: AuditRecord,
  ): Promise<LaunchPermission[]> {
    let changed = false;
    const list = this.write(audit, () => {
      for (const p of remove)
        this.stmt("DELETE FROM launch_permissions WHERE image_id = ? AND kind = ? AND value = ?").run(
          imageId,
          ...permissionKey(p),
        );
      for (const p of add)
        this.stmt(
          `INSERT OR IGNORE INTO launch_permissions VALUES (?, ?, ?,
             (SELECT coalesce(max(seq), 0) + 1 FROM launch_permissions WHERE image_id = ?))`,
        ).run(imageId, ...permissionKey(p), imageId);
      changed = this.syncPublic(imageId);
      return (
        this.stmt("SELECT kind, value FROM launch_permissions WHERE image_id = ? ORDER BY seq").all(
          imageId,
        ) as Row[]
      ).map((r) => permissionOf(r.kind as string, r.value as string));
    });
    // Once committed: the new list is known; the cached document carries isPublic. Inside an
    // outer transaction (bulk) nothing is committed yet, so only evict.
    if (changed) this.cache.delete(imageId);
    if (this.db.inTransaction) this.cache.deleteLaunchPermissions(imageId);
    else this.cache.replaceLaunchPermissions(imageId, list);
    return list;
  }

  /** Writes the images row only when is_public changes (user-id shares leave its page alone). */
  private syncPublic(imageId: string): boolean {
    const isPublic = `EXISTS (SELECT 1 FROM launch_permissions
         WHERE image_id = @id AND kind = 'group' AND value = 'all')`;
    return (
      this.stmt(
        `UPDATE images SET is_public = ${isPublic} WHERE image_id = @id AND is_public <> ${isPublic}`,
      ).run({ id: imageId }).changes > 0
    );
  }

  async resetLaunchPermissions(imageId: string, audit?: AuditRecord): Promise<void> {
    this.write(audit, () => {
      this.stmt("DELETE FROM launch_permissions WHERE image_id = ?").run(imageId);
      this.syncPublic(imageId);
    });
    this.cache.delete(imageId);
  }

  async tags(accountId: string, resourceIds: string[]): Promise<Map<string, Tag[]>> {
    const out = new Map<string, Tag[]>();
    // Most accounts tag nothing: one probe of the primary key answers for the whole page.
    if (
      resourceIds.length === 0 ||
      !this.stmt("SELECT 1 FROM tags WHERE account_id = ? LIMIT 1").get(accountId)
    )
      return out;
    // One query for the whole page: the caller's tags on these resources (primary key order).
    const rows = this.stmt(
      `SELECT resource_id, key, value FROM tags WHERE account_id = ?
       AND resource_id IN (SELECT value FROM json_each(?)) ORDER BY resource_id, key`,
    ).all(accountId, JSON.stringify(resourceIds)) as Row[];
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
      this.stmt(
        "SELECT resource_id, key, value FROM tags WHERE account_id = ? ORDER BY resource_id, key",
      ).all(accountId) as Row[]
    ).map((r) => ({ resourceId: r.resource_id as string, key: r.key as string, value: r.value as string }));
  }

  async createTags(
    accountId: string,
    resourceIds: string[],
    tags: Tag[],
    audit?: AuditRecord,
  ): Promise<void> {
    this.write(audit, () => {
      for (const id of resourceIds)
        for (const t of tags)
          this.stmt("INSERT OR REPLACE INTO tags VALUES (?, ?, ?, ?)").run(accountId, id, t.key, t.value);
    });
  }

  async deleteTags(
    accountId: string,
    resourceIds: string[],
    tags: Array<{ key: string; value?: string }>,
    audit?: AuditRecord,
  ): Promise<void> {
    this.write(audit, () => {
      for (const id of resourceIds) {
        if (tags.length === 0)
          this.stmt("DELETE FROM tags WHERE account_id = ? AND resource_id = ?").run(accountId, id);
        for (const t of tags) {
          // A tag named with a value is deleted only if the value matches (EC2 DeleteTags).
          if (t.value === undefined)
            this.stmt("DELETE FROM tags WHERE account_id = ? AND resource_id = ? AND key = ?").run(
              accountId,
              id,
              t.key,
            );
          else
            this.stmt(
              "DELETE FROM tags WHERE account_id = ? AND resource_id = ? AND key = ? AND value = ?",
            ).run(accountId, id, t.key, t.value);
        }
      }
    });
  }

  async recordBlob(
    blob: { sha256: string; size: number; uploadedBy: string },
    audit?: AuditRecord,
  ): Promise<void> {
    this.write(audit, () => {
      this.stmt("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?, ?)").run(
        blob.sha256,
        blob.size,
        blob.uploadedBy,
        new Date().toISOString(),
      );
    });
  }

  async blob(sha256: string): Promise<{ sha256: string; size: number; uploadedBy: string } | undefined> {
    const row = this.stmt("SELECT * FROM blobs WHERE sha256 = ?").get(sha256) as Row | undefined;
    return row && { sha256, size: row.size as number, uploadedBy: row.uploaded_by as string };
  }

  async blobBytes(accountId: string): Promise<number> {
    return this.stmt("SELECT COALESCE(SUM(size), 0) FROM blobs WHERE uploaded_by = ?")
      .pluck()
      .get(accountId) as number;
  }

  async createScan(imageId: string): Promise<ScanRecord> {
    const startedAt = new Date().toISOString();
    const r = this.stmt("INSERT INTO scans (image_id, status, started_at) VALUES (?, 'pending', ?)").run(
      imageId,
      startedAt,
    );
    return { scanId: Number(r.lastInsertRowid), imageId, status: "pending", startedAt };
  }

  async updateScan(scanId: number, patch: Partial<Omit<ScanRecord, "scanId" | "imageId">>): Promise<void> {
    const cols: Record<string, string> = {
      status: "status",
      startedAt: "started_at",
      finishedAt: "finished_at",
      report: "report",
      error: "error",
    };
    const keys = Object.keys(patch).filter((k) => k in cols);
    if (keys.length === 0) return;
    const sql = `UPDATE scans SET ${keys.map((k) => `${cols[k]} = @${k}`).join(", ")} WHERE scan_id = @scanId`;
    this.stmt(sql).run({ ...patch, scanId });
  }

  private scanOf(row: Row): ScanRecord {
    return {
      scanId: row.scan_id as number,
      imageId: row.image_id as string,
      status: row.status as ScanRecord["status"],
      startedAt: row.started_at as string,
      ...(row.finished_at != null ? { finishedAt: row.finished_at as string } : {}),
      ...(row.report != null ? { report: row.report as string } : {}),
      ...(row.error != null ? { error: row.error as string } : {}),
    };
  }

  async latestScan(imageId: string): Promise<ScanRecord | undefined> {
    const row = this.stmt("SELECT * FROM scans WHERE image_id = ? ORDER BY scan_id DESC LIMIT 1").get(
      imageId,
    ) as Row | undefined;
    return row && this.scanOf(row);
  }

  async unfinishedScans(): Promise<ScanRecord[]> {
    return (this.stmt("SELECT * FROM scans WHERE status IN ('pending', 'running')").all() as Row[]).map((r) =>
      this.scanOf(r),
    );
  }

  async blockPublicAccess(accountId: string): Promise<boolean> {
    const row = this.stmt("SELECT block_public_access FROM account_settings WHERE account_id = ?").get(
      accountId,
    ) as Row | undefined;
    return row?.block_public_access === 1;
  }

  async setBlockPublicAccess(accountId: string, blocked: boolean, audit?: AuditRecord): Promise<void> {
    this.write(audit, () => {
      this.stmt(
        `INSERT INTO account_settings VALUES (?, ?)
         ON CONFLICT(account_id) DO UPDATE SET block_public_access = excluded.block_public_access`,
      ).run(accountId, blocked ? 1 : 0);
    });
  }

  /**
   * Group commit: entries from requests in flight are written together in one transaction at the
   * end of the event-loop turn, and each call returns once its entry is committed (so a response
   * that follows the audit is never ahead of its record).
   */
  audit(e: AuditEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pendingAudit.push({ e, resolve, reject }) === 1) setImmediate(() => this.flushAudit());
    });
  }

  private pendingAudit: Array<{ e: AuditEntry; resolve: () => void; reject: (err: unknown) => void }> = [];

  private flushAudit(): void {
    const batch = this.pendingAudit;
    if (batch.length === 0) return;
    this.pendingAudit = [];
    try {
      this.db
        .transaction(() => {
          for (const { e } of batch) this.insertAudit(e);
        })
        .immediate();
    } catch (err) {
      for (const b of batch) b.reject(err);
      return;
    }
    for (const b of batch) b.resolve();
  }

  private insertAudit(e: AuditEntry): void {
    this.stmt(
      `INSERT INTO audit_log (at, account_id, access_key_id, action, resource, detail, source_ip, outcome)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(e.at, e.accountId, e.accessKeyId, e.action, e.resource ?? null, e.detail, e.sourceIp, e.outcome);
  }

  /**
   * A write in one immediate transaction, together with the call's audit entry when one is handed
   * over and not yet written (a call's first write carries it); `written` is set once committed.
   */
  private write<T>(audit: AuditRecord | undefined, change: () => T): T {
    const result = this.db
      .transaction(() => {
        const r = change();
        if (audit && !audit.written) this.insertAudit(audit.entry);
        return r;
      })
      .immediate();
    if (audit) audit.written = true;
    return result;
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    this.flushAudit();
    return (this.stmt("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?").all(limit) as Row[]).map((r) => ({
      at: r.at as string,
      accountId: r.account_id as string,
      accessKeyId: r.access_key_id as string,
      action: r.action as string,
      ...(r.resource != null ? { resource: r.resource as string } : {}),
      detail: r.detail as string,
      sourceIp: r.source_ip as string,
      outcome: r.outcome as string,
    }));
  }

  /** Runs many store calls in one transaction (seeding, benchmarks); the calls' bodies are synchronous. */
  bulk(fn: () => void): void {
    this.db.transaction(fn).immediate();
  }

  async close(): Promise<void> {
    this.flushAudit();
    this.db.close();
  }
}
