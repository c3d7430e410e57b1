/**
 * Launch permissions (grants) in the order they were added; an image's is_public follows its
 * `group: all` grant. Lists are kept in the shared ImageCache, and every change drops the cached
 * grant lists (queryImages' exec-self answers).
 */
import type { ImageCache } from "../image-cache.js";
import type { AuditRecord, LaunchPermission, PermissionStore } from "../types.js";
import type { SqliteAuditLog } from "./audit.js";
import type { Row, SqliteDatabase } from "./database.js";

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

export class SqlitePermissions implements PermissionStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly log: SqliteAuditLog,
    private readonly cache: ImageCache,
  ) {}

  async launchPermissions(imageId: string): Promise<readonly LaunchPermission[]> {
    this.cache.sync();
    return (
      this.cache.launchPermissions(imageId) ?? this.cache.putLaunchPermissions(imageId, this.read(imageId))
    );
  }

  private read(imageId: string): LaunchPermission[] {
    return (
      this.db
        .stmt("SELECT kind, value FROM launch_permissions WHERE image_id = ? ORDER BY seq")
        .all(imageId) as Row[]
    ).map((r) => permissionOf(r.kind as string, r.value as string));
  }

  async modifyLaunchPermissions(
    imageId: string,
    add: LaunchPermission[],
    remove: LaunchPermission[],
    audit?: AuditRecord,
  ): Promise<LaunchPermission[]> {
    let changed = false;
    const list = this.log.write(audit, () => {
      for (const p of remove)
        this.db
          .stmt("DELETE FROM launch_permissions WHERE image_id = ? AND kind = ? AND value = ?")
          .run(imageId, ...permissionKey(p));
      for (const p of add)
        this.db
          .stmt(
            `INSERT OR IGNORE INTO launch_permissions VALUES (?, ?, ?,
             (SELECT coalesce(max(seq), 0) + 1 FROM launch_permissions WHERE image_id = ?))`,
          )
          .run(imageId, ...permissionKey(p), imageId);
      changed = this.syncPublic(imageId);
      return this.read(imageId);
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
      this.db
        .stmt(`UPDATE images SET is_public = ${isPublic} WHERE image_id = @id AND is_public <> ${isPublic}`)
        .run({ id: imageId }).changes > 0
    );
  }

  async resetLaunchPermissions(imageId: string, audit?: AuditRecord): Promise<void> {
    this.log.write(audit, () => {
      this.db.stmt("DELETE FROM launch_permissions WHERE image_id = ?").run(imageId);
      this.syncPublic(imageId);
    });
    this.cache.delete(imageId);
  }
}
