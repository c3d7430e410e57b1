/**
 * Launch permissions (grants) in the order they were added; an image's is_public follows its
 * `group: all` grant. A change locks the image's row first, so concurrent changes to one image's
 * grants (from any node) apply one after the other and the order numbers stay distinct.
 */
import { permissionKey } from "../sqlite/permissions.js";
import type { AuditRecord, LaunchPermission, PermissionStore } from "../types.js";
import type { PostgresAuditLog } from "./audit.js";
import type { PostgresDatabase, Sql } from "./database.js";
import { lockImage } from "./images.js";

function permissionOf(kind: string, value: string): LaunchPermission {
  return { [kind]: value } as LaunchPermission;
}

export class PostgresPermissions implements PermissionStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly log: PostgresAuditLog,
  ) {}

  launchPermissions(imageId: string): Promise<readonly LaunchPermission[]> {
    return this.read(this.db, imageId);
  }

  private async read(sql: Sql, imageId: string): Promise<LaunchPermission[]> {
    return (
      await sql.rows("SELECT kind, value FROM launch_permissions WHERE image_id = $1 ORDER BY seq", [imageId])
    ).map((r) => permissionOf(r.kind as string, r.value as string));
  }

  async modifyLaunchPermissions(
    imageId: string,
    add: LaunchPermission[],
    remove: LaunchPermission[],
    audit?: AuditRecord,
  ): Promise<LaunchPermission[]> {
    return this.log.write(audit, async (tx) => {
      await lockImage(tx, imageId);
      for (const p of remove)
        await tx.run("DELETE FROM launch_permissions WHERE image_id = $1 AND kind = $2 AND value = $3", [
          imageId,
          ...permissionKey(p),
        ]);
      for (const p of add)
        await tx.run(
          `INSERT INTO launch_permissions VALUES ($1, $2, $3,
             (SELECT coalesce(max(seq), 0) + 1 FROM launch_permissions WHERE image_id = $1))
           ON CONFLICT (image_id, kind, value) DO NOTHING`,
          [imageId, ...permissionKey(p)],
        );
      await this.syncPublic(tx, imageId);
      return this.read(tx, imageId);
    });
  }

  /** Writes the images row only when is_public changes (user-id shares leave it alone). */
  private async syncPublic(tx: Sql, imageId: string): Promise<void> {
    const isPublic = `EXISTS (SELECT 1 FROM launch_permissions
         WHERE image_id = $1 AND kind = 'group' AND value = 'all')`;
    await tx.run(
      `UPDATE images SET is_public = ${isPublic} WHERE image_id = $1 AND is_public <> ${isPublic}`,
      [imageId],
    );
  }

  async resetLaunchPermissions(imageId: string, audit?: AuditRecord): Promise<void> {
    await this.log.write(audit, async (tx) => {
      await lockImage(tx, imageId);
      await tx.run("DELETE FROM launch_permissions WHERE image_id = $1", [imageId]);
      await this.syncPublic(tx, imageId);
    });
  }
}
