/**
 * Listings (one per image version, the Listing JSON as a document), their publication, and the
 * lookups the catalogue needs: the previous version of a product, and the published listings.
 * A listing is public only while its image is: migration 3's trigger unpublishes it when the
 * image's is_public goes to 0, in the same transaction as that change.
 */
import type { Listing } from "../../../policy/listing/listing.js";
import type { AuditRecord, ListingStore, PublishedListingQuery, StoredListing } from "../types.js";
import type { SqliteAuditLog } from "./audit.js";
import type { Row, SqliteDatabase } from "./database.js";

function storedOf(row: Row): StoredListing {
  return {
    imageId: row.image_id as string,
    ownerId: row.owner_id as string,
    listing: JSON.parse(row.doc as string) as Listing,
    updatedAt: row.updated_at as string,
    updatedBy: row.updated_by as string,
    ...(row.published_at != null ? { publishedAt: row.published_at as string } : {}),
  };
}

/** LIKE pattern for "contains", with LIKE's own wildcards taken literally. */
function contains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class SqliteListings implements ListingStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly log: SqliteAuditLog,
  ) {}

  async putListing(
    ownerId: string,
    listing: Listing,
    by: string,
    audit?: AuditRecord,
  ): Promise<StoredListing> {
    const at = new Date().toISOString();
    this.log.write(audit, () => {
      this.db
        .stmt(
          `INSERT INTO listings (image_id, owner_id, product, doc, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(image_id) DO UPDATE SET product = excluded.product, doc = excluded.doc,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .run(listing.imageId, ownerId, listing.product, JSON.stringify(listing), at, by);
    });
    return (await this.listing(listing.imageId))!;
  }

  async listing(imageId: string): Promise<StoredListing | undefined> {
    const row = this.db.stmt("SELECT * FROM listings WHERE image_id = ?").get(imageId) as Row | undefined;
    return row && storedOf(row);
  }

  async previousListing(
    ownerId: string,
    product: string,
    imageId: string,
    createdBefore: string,
  ): Promise<StoredListing | undefined> {
    const row = this.db
      .stmt(
        `SELECT l.* FROM listings l JOIN images i ON i.image_id = l.image_id
         WHERE l.owner_id = ? AND l.product = ? AND l.image_id <> ?
           AND json_extract(i.doc, '$.creationDate') < ?
         ORDER BY json_extract(i.doc, '$.creationDate') DESC, l.image_id DESC LIMIT 1`,
      )
      .get(ownerId, product, imageId, createdBefore) as Row | undefined;
    return row && storedOf(row);
  }

  async setListingPublished(imageId: string, published: boolean, audit?: AuditRecord): Promise<boolean> {
    return this.log.write(audit, () => {
      // Publishing needs the image public in the same transaction: a concurrent unshare cannot slip between.
      const r = published
        ? this.db
            .stmt(
              `UPDATE listings SET published_at = ? WHERE image_id = ?
               AND EXISTS (SELECT 1 FROM images WHERE image_id = listings.image_id AND is_public = 1)`,
            )
            .run(new Date().toISOString(), imageId)
        : this.db.stmt("UPDATE listings SET published_at = NULL WHERE image_id = ?").run(imageId);
      return r.changes > 0;
    });
  }

  async deleteListing(imageId: string, audit?: AuditRecord): Promise<void> {
    this.log.write(audit, () => {
      this.db.stmt("DELETE FROM listings WHERE image_id = ?").run(imageId);
    });
  }

  async publishedListings(q: PublishedListingQuery): Promise<StoredListing[]> {
    const where = ["l.published_at IS NOT NULL", "i.is_public = 1"];
    const params: Array<string | number> = [];
    if (q.name) {
      where.push("json_extract(l.doc, '$.name') LIKE ? ESCAPE '\\'");
      params.push(contains(q.name));
    }
    if (q.os) {
      where.push(
        "json_extract(l.doc, '$.os.name') || ' ' || json_extract(l.doc, '$.os.version') LIKE ? ESCAPE '\\'",
      );
      params.push(contains(q.os));
    }
    if (q.publisher) {
      where.push("json_extract(l.doc, '$.publisher.name') LIKE ? ESCAPE '\\'");
      params.push(contains(q.publisher));
    }
    if (q.ownerId) {
      where.push("l.owner_id = ?");
      params.push(q.ownerId);
    }
    if (q.afterImageId) {
      where.push("l.image_id > ?");
      params.push(q.afterImageId);
    }
    params.push(q.limit);
    const rows = this.db
      .stmt(
        `SELECT l.* FROM listings l JOIN images i ON i.image_id = l.image_id
         WHERE ${where.join(" AND ")} ORDER BY l.image_id LIMIT ?`,
      )
      .all(...params) as Row[];
    return rows.map(storedOf);
  }
}
