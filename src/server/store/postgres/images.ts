/**
 * Image documents (block device mappings included). Every read goes to the database: API nodes
 * share it, so a change through one node is seen by the next request to any other.
 */
import { imageQuerySql, postgresDialect } from "../image-query.js";
import type {
  AuditRecord,
  DeregisteredImage,
  DeregisteredVisibility,
  Image,
  ImageQuery,
  ImageStore,
  Tag,
  TaggedImages,
} from "../types.js";
import type { PostgresAuditLog } from "./audit.js";
import type { PostgresDatabase, Row, Sql } from "./database.js";
import { DOCUMENT_COLUMNS, DocumentCache } from "./document-cache.js";
import type { PostgresTags } from "./tags.js";

/** The document with is_public, which launch permissions keep, over the one in the JSON. */
export function imageOf(row: Row): Image {
  const image = row.doc as Image;
  image.isPublic = row.is_public === true;
  return image;
}

function deregisteredOf(row: Row): DeregisteredImage {
  return {
    image: row.doc as Image,
    deregisteredAt: row.deregistered_at as string,
    sharedWith: row.shared_with as string[],
  };
}

export class PostgresImages implements ImageStore {
  readonly #documents = new DocumentCache();

  constructor(
    private readonly db: PostgresDatabase,
    private readonly log: PostgresAuditLog,
    private readonly tagStore: PostgresTags,
  ) {}

  async insertImage(image: Image, tags: Tag[], audit?: AuditRecord): Promise<void> {
    await this.log.write(audit, async (tx) => {
      await tx.run(
        `INSERT INTO images (image_id, owner_id, name, is_public, blob_sha256, doc, deprecation_time, disabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          image.imageId,
          image.ownerId,
          image.name,
          image.isPublic,
          image.blob?.sha256 ?? null,
          JSON.stringify(image),
          image.deprecationTime ?? null,
          image.state === "disabled",
        ],
      );
      await this.tagStore.put(tx, image.ownerId, [image.imageId], tags);
    });
  }

  async image(imageId: string): Promise<Image | undefined> {
    const row = await this.db.row(`SELECT ${DOCUMENT_COLUMNS} FROM images i WHERE i.image_id = $1`, [
      imageId,
    ]);
    return row && this.#documents.imageOf(row);
  }

  async queryImages(q: ImageQuery): Promise<Image[]> {
    // The documents straight from the narrowing statement (its order and limit): joined to a
    // statement of ids instead, each image cost an index lookup more (4 buffers per image at 300 k
    // images, by EXPLAIN ANALYZE; 405 buffers against 103 for an account's 100).
    // On PostgreSQL the statement does all the narrowing, paging included (no notOwnedBy or limit
    // is left to the store).
    const { sql, params } = imageQuerySql(q, postgresDialect(), DOCUMENT_COLUMNS);
    return (await this.db.rows(sql, params)).map((r) => this.#documents.imageOf(r));
  }

  async queryImagesWithTags(q: ImageQuery, accountId: string): Promise<TaggedImages> {
    const { sql, params } = imageQuerySql(q, postgresDialect(), DOCUMENT_COLUMNS);
    // The page (in id order), then the caller's tags of its images, in one statement: one round trip instead of
    // two in a row. (A tags subquery per image cost 3 µs an image; this costs nothing measurable
    // over the page alone.) Rows with a key are tags.
    const rows = await this.db.rows(
      `WITH page AS MATERIALIZED (${sql})
       SELECT is_public, image_id, doc_text, NULL AS key, NULL AS value FROM page
       UNION ALL (SELECT NULL, t.resource_id, NULL, t.key, t.value FROM tags t
         WHERE t.account_id = $${params.length + 1} AND t.resource_id IN (SELECT image_id FROM page)
         ORDER BY t.resource_id, t.key)`,
      [...params, accountId],
    );
    const images: Image[] = [];
    const tags = new Map<string, Tag[]>();
    for (const r of rows) {
      if (typeof r.key === "string") {
        const id = r.image_id as string;
        const list = tags.get(id) ?? [];
        if (list.length === 0) tags.set(id, list);
        list.push({ key: r.key, value: r.value as string });
        continue;
      }
      images.push(this.#documents.imageOf(r));
    }
    return { images, tags };
  }

  async updateImage(
    imageId: string,
    patch: Partial<Omit<Image, "imageId" | "ownerId">>,
    audit?: AuditRecord,
  ): Promise<void> {
    await this.log.write(audit, async (tx) => {
      // Locked until commit: two patches of one image apply one after the other, neither lost.
      const row = await tx.row("SELECT is_public, doc FROM images WHERE image_id = $1 FOR UPDATE", [imageId]);
      if (!row) return;
      const image = { ...imageOf(row), ...patch };
      await tx.run(
        "UPDATE images SET name = $1, doc = $2, deprecation_time = $3, disabled = $4 WHERE image_id = $5",
        [
          image.name,
          JSON.stringify(image),
          image.deprecationTime ?? null,
          image.state === "disabled",
          imageId,
        ],
      );
    });
  }

  async disableImage(imageId: string, audit?: AuditRecord): Promise<void> {
    await this.log.write(audit, async (tx) => {
      const row = await tx.row("SELECT is_public, doc FROM images WHERE image_id = $1 FOR UPDATE", [imageId]);
      if (!row) return;
      await tx.run("DELETE FROM launch_permissions WHERE image_id = $1", [imageId]);
      // is_public set to false here fires the trigger that unpublishes the image's listing.
      await tx.run("UPDATE images SET doc = $1, disabled = true, is_public = false WHERE image_id = $2", [
        JSON.stringify({ ...imageOf(row), state: "disabled", isPublic: false }),
        imageId,
      ]);
    });
  }

  async deleteImage(imageId: string, audit?: AuditRecord): Promise<void> {
    await this.log.write(audit, async (tx) => {
      const row = await tx.row("SELECT is_public, doc FROM images WHERE image_id = $1 FOR UPDATE", [imageId]);
      if (row) {
        const image = imageOf(row);
        const sharedWith = (
          await tx.rows(
            "SELECT value FROM launch_permissions WHERE image_id = $1 AND kind <> 'group' ORDER BY seq",
            [imageId],
          )
        ).map((r) => r.value as string);
        await tx.run(
          `INSERT INTO deregistered_images (image_id, owner_id, deregistered_at, shared_with, doc)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (image_id) DO NOTHING`,
          [
            imageId,
            image.ownerId,
            new Date().toISOString(),
            JSON.stringify(sharedWith),
            JSON.stringify({ ...image, state: "deregistered" }),
          ],
        );
      }
      await tx.run("DELETE FROM images WHERE image_id = $1", [imageId]);
      await this.tagStore.dropResource(tx, imageId);
    });
  }

  async deregisteredImage(imageId: string): Promise<DeregisteredImage | undefined> {
    const row = await this.db.row(
      "SELECT deregistered_at, shared_with, doc FROM deregistered_images WHERE image_id = $1",
      [imageId],
    );
    return row && deregisteredOf(row);
  }

  async deregisteredSince(
    since: string,
    imageIds?: string[],
    visibleTo?: DeregisteredVisibility,
  ): Promise<DeregisteredImage[]> {
    const where = ["deregistered_at >= $1"];
    const params: unknown[] = [since];
    if (imageIds !== undefined) where.push(`image_id = ANY($${params.push(imageIds)}::text[])`);
    if (visibleTo !== undefined) {
      const caller = `$${params.push(visibleTo.callerId)}`;
      const org = `$${params.push(visibleTo.inOrganization)}::boolean`;
      where.push(`(owner_id = ${caller} OR (doc->>'isPublic') = 'true'
        OR EXISTS (SELECT 1 FROM json_array_elements_text(shared_with) s(v) WHERE s.v = ${caller} OR (${org} AND s.v LIKE 'arn:%')))`);
    }
    const rows = await this.db.rows(
      `SELECT deregistered_at, shared_with, doc FROM deregistered_images WHERE ${where.join(" AND ")} ORDER BY image_id`,
      params,
    );
    return rows.map(deregisteredOf);
  }

  async countPublicImages(ownerId: string): Promise<number> {
    const row = await this.db.row("SELECT count(*) AS n FROM images WHERE owner_id = $1 AND is_public", [
      ownerId,
    ]);
    return row!.n as number;
  }
}

/** Locks an image's row for the rest of the transaction (changes to its grants take turns). */
export async function lockImage(tx: Sql, imageId: string): Promise<boolean> {
  return (await tx.row("SELECT 1 FROM images WHERE image_id = $1 FOR UPDATE", [imageId])) !== undefined;
}
