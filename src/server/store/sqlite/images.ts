/**
 * Image documents (block device mappings included) over the shared ImageCache: describe calls
 * read ids from covering indexes and take the parsed documents from the cache.
 */
import type { ImageCache } from "../image-cache.js";
import { imageQuerySql, lifecycleVisible } from "../image-query.js";
import type {
  AuditRecord,
  DeregisteredImage,
  DeregisteredVisibility,
  Image,
  ImageQuery,
  ImageStore,
  Tag,
} from "../types.js";
import type { SqliteAuditLog } from "./audit.js";
import type { Row, SqliteDatabase } from "./database.js";
import type { SqliteTags } from "./tags.js";

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

function deregisteredOf(row: Row): DeregisteredImage {
  return {
    image: JSON.parse(row.doc as string) as Image,
    deregisteredAt: row.deregistered_at as string,
    sharedWith: JSON.parse(row.shared_with as string) as string[],
  };
}

export class SqliteImages implements ImageStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly log: SqliteAuditLog,
    private readonly cache: ImageCache,
    private readonly tagStore: SqliteTags,
  ) {}

  async insertImage(image: Image, tags: Tag[], audit?: AuditRecord): Promise<void> {
    this.log.write(audit, () => {
      this.db
        .stmt(
          `INSERT INTO images (image_id, owner_id, name, is_public, blob_sha256, doc, deprecation_time, disabled)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          image.imageId,
          image.ownerId,
          image.name,
          image.isPublic ? 1 : 0,
          image.blob?.sha256 ?? null,
          JSON.stringify(image),
          image.deprecationTime ?? null,
          image.state === "disabled" ? 1 : 0,
        );
      for (const t of tags) this.tagStore.put(image.ownerId, image.imageId, t);
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
    const row = this.db.stmt("SELECT image_id, is_public, doc FROM images WHERE image_id = ?").get(imageId) as
      | Row
      | undefined;
    return row && this.cache.put(row);
  }

  async queryImages(q: ImageQuery): Promise<Image[]> {
    this.cache.sync();
    const { sql, params, notOwnedBy, limit, grantsTo } = imageQuerySql(q);
    const read = () => {
      const images = this.documents(this.db.stmt(sql).pluck().all(params) as string[]);
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
      const visible = lifecycleVisible(q);
      if (visible) images = images.filter(visible);
    } else images = read();
    return limit !== undefined ? images.slice(0, limit) : [...images];
  }

  /** Documents for ids, in their order: from the cache, the rest in one set-based read. */
  private documents(ids: string[]): Image[] {
    const out: Array<Image | undefined> = ids.map((id) => this.cache.get(id));
    const missing = ids.filter((_, n) => out[n] === undefined);
    if (missing.length > 0) {
      const fresh = new Map<string, Image>();
      for (const row of this.db
        .stmt(
          "SELECT image_id, is_public, doc FROM images WHERE image_id IN (SELECT value FROM json_each(?))",
        )
        .all(JSON.stringify(missing)) as Row[])
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
    this.log.write(audit, () => {
      this.cache.sync();
      const current = this.imageNow(imageId);
      if (!current) return;
      const image = { ...current, ...patch };
      this.db
        .stmt("UPDATE images SET name = ?, doc = ?, deprecation_time = ?, disabled = ? WHERE image_id = ?")
        .run(
          image.name,
          JSON.stringify(image),
          image.deprecationTime ?? null,
          image.state === "disabled" ? 1 : 0,
          imageId,
        );
    });
    this.cache.delete(imageId);
  }

  async disableImage(imageId: string, audit?: AuditRecord): Promise<void> {
    this.log.write(audit, () => {
      this.cache.sync();
      const current = this.imageNow(imageId);
      if (!current) return;
      this.db.stmt("DELETE FROM launch_permissions WHERE image_id = ?").run(imageId);
      // is_public written to 0 here fires the trigger that unpublishes the image's listing.
      this.db
        .stmt("UPDATE images SET doc = ?, disabled = 1, is_public = 0 WHERE image_id = ?")
        .run(JSON.stringify({ ...current, state: "disabled", isPublic: false }), imageId);
    });
    this.cache.delete(imageId);
  }

  async deleteImage(imageId: string, audit?: AuditRecord): Promise<void> {
    this.log.write(audit, () => {
      this.cache.sync();
      const current = this.imageNow(imageId);
      if (current) {
        const sharedWith = this.db
          .stmt("SELECT value FROM launch_permissions WHERE image_id = ? AND kind <> 'group' ORDER BY seq")
          .pluck()
          .all(imageId) as string[];
        this.db
          .stmt(
            `INSERT OR REPLACE INTO deregistered_images (image_id, owner_id, deregistered_at, shared_with, doc)
             VALUES (?, ?, ?, ?, ?)`,
          )
          .run(
            imageId,
            current.ownerId,
            new Date().toISOString(),
            JSON.stringify(sharedWith),
            JSON.stringify({ ...current, state: "deregistered" }),
          );
      }
      this.db.stmt("DELETE FROM images WHERE image_id = ?").run(imageId);
      this.tagStore.dropResource(imageId);
    });
    this.cache.delete(imageId);
  }

  async deregisteredImage(imageId: string): Promise<DeregisteredImage | undefined> {
    const row = this.db
      .stmt("SELECT deregistered_at, shared_with, doc FROM deregistered_images WHERE image_id = ?")
      .get(imageId) as Row | undefined;
    return row && deregisteredOf(row);
  }

  async deregisteredSince(
    since: string,
    imageIds?: string[],
    visibleTo?: DeregisteredVisibility,
  ): Promise<DeregisteredImage[]> {
    const where = ["deregistered_at >= @since"];
    const params: Record<string, unknown> = { since };
    if (imageIds !== undefined) {
      where.push("image_id IN (SELECT value FROM json_each(@ids))");
      params.ids = JSON.stringify(imageIds);
    }
    if (visibleTo !== undefined) {
      where.push(`(owner_id = @caller OR json_extract(doc, '$.isPublic') = 1
        OR EXISTS (SELECT 1 FROM json_each(shared_with) s WHERE s.value = @caller OR (@org = 1 AND s.value LIKE 'arn:%')))`);
      params.caller = visibleTo.callerId;
      params.org = visibleTo.inOrganization ? 1 : 0;
    }
    const rows = this.db
      .stmt(
        `SELECT deregistered_at, shared_with, doc FROM deregistered_images WHERE ${where.join(" AND ")} ORDER BY image_id`,
      )
      .all(params) as Row[];
    return rows.map(deregisteredOf);
  }

  async countPublicImages(ownerId: string): Promise<number> {
    const row = this.db
      .stmt("SELECT count(*) AS n FROM images WHERE owner_id = ? AND is_public = 1")
      .get(ownerId) as Row;
    return row.n as number;
  }
}
