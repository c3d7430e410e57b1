/**
 * Listings (one per image version, the Listing JSON as a document), their publication, and the
 * lookups the catalogue needs: the previous version of a product, and the published listings.
 * A listing is public only while its image is: migration 3's trigger unpublishes it when the
 * image's is_public goes false, in the same transaction as that change.
 */
import type { Listing } from "../../../policy/listing/listing.js";
import type { AuditRecord, ListingStore, PublishedListingQuery, StoredListing } from "../types.js";
import type { PostgresAuditLog } from "./audit.js";
import type { PostgresDatabase, Row } from "./database.js";

function storedOf(row: Row): StoredListing {
  return {
    imageId: row.image_id as string,
    ownerId: row.owner_id as string,
    listing: row.doc as Listing,
    updatedAt: row.updated_at as string,
    updatedBy: row.updated_by as string,
    ...(row.published_at != null ? { publishedAt: row.published_at as string } : {}),
  };
}

/** ILIKE pattern for "contains", with LIKE's own wildcards taken literally. */
function contains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class PostgresListings implements ListingStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly log: PostgresAuditLog,
  ) {}

  async putListing(
    ownerId: string,
    listing: Listing,
    by: string,
    audit?: AuditRecord,
  ): Promise<StoredListing> {
    const at = new Date().toISOString();
    await this.log.write(audit, (tx) =>
      tx.run(
        `INSERT INTO listings (image_id, owner_id, product, doc, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (image_id) DO UPDATE SET product = excluded.product, doc = excluded.doc,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        [listing.imageId, ownerId, listing.product, JSON.stringify(listing), at, by],
      ),
    );
    return (await this.listing(listing.imageId))!;
  }

  async listing(imageId: string): Promise<StoredListing | undefined> {
    const row = await this.db.row("SELECT * FROM listings WHERE image_id = $1", [imageId]);
    return row && storedOf(row);
  }

  async previousListing(
    ownerId: string,
    product: string,
    imageId: string,
    createdBefore: string,
  ): Promise<StoredListing | undefined> {
    const created = `(i.doc ->> 'creationDate') COLLATE "C"`;
    const row = await this.db.row(
      `SELECT l.* FROM listings l JOIN images i ON i.image_id = l.image_id
       WHERE l.owner_id = $1 AND l.product = $2 AND l.image_id <> $3 AND ${created} < $4
       ORDER BY ${created} DESC, l.image_id DESC LIMIT 1`,
      [ownerId, product, imageId, createdBefore],
    );
    return row && storedOf(row);
  }

  async setListingPublished(imageId: string, published: boolean, audit?: AuditRecord): Promise<boolean> {
    return this.log.write(audit, async (tx) => {
      if (!published)
        return (await tx.run("UPDATE listings SET published_at = NULL WHERE image_id = $1", [imageId])) > 0;
      // The image's row is locked until commit: a concurrent unshare waits, then its trigger
      // unpublishes; or it committed first, and the locking read sees the image private.
      const image = await tx.row("SELECT is_public FROM images WHERE image_id = $1 FOR SHARE", [imageId]);
      if (image?.is_public !== true) return false;
      return (
        (await tx.run("UPDATE listings SET published_at = $1 WHERE image_id = $2", [
          new Date().toISOString(),
          imageId,
        ])) > 0
      );
    });
  }

  async deleteListing(imageId: string, audit?: AuditRecord): Promise<void> {
    await this.log.write(audit, (tx) => tx.run("DELETE FROM listings WHERE image_id = $1", [imageId]));
  }

  async publishedListings(q: PublishedListingQuery): Promise<StoredListing[]> {
    const where = ["l.published_at IS NOT NULL", "i.is_public"];
    const params: unknown[] = [];
    const param = (v: unknown) => `$${params.push(v)}`;
    if (q.name) where.push(`(l.doc ->> 'name') ILIKE ${param(contains(q.name))}`);
    if (q.os)
      where.push(
        `((l.doc -> 'os' ->> 'name') || ' ' || (l.doc -> 'os' ->> 'version')) ILIKE ${param(contains(q.os))}`,
      );
    if (q.publisher) where.push(`(l.doc -> 'publisher' ->> 'name') ILIKE ${param(contains(q.publisher))}`);
    if (q.ownerId) where.push(`l.owner_id = ${param(q.ownerId)}`);
    if (q.afterImageId) where.push(`l.image_id > ${param(q.afterImageId)}`);
    const rows = await this.db.rows(
      `SELECT l.* FROM listings l JOIN images i ON i.image_id = l.image_id
       WHERE ${where.join(" AND ")} ORDER BY l.image_id LIMIT ${param(q.limit)}`,
      params,
    );
    return rows.map(storedOf);
  }
}
