import type { ImageQuery } from "./types.js";

export interface ImageQuerySql {
  sql: string;
  params: Record<string, unknown>;
  /** Checks left to the caller on the documents: leave out this owner's images, then cut at limit. */
  notOwnedBy?: string;
  limit?: number;
  /**
   * Set when the statement is exactly this account's user-id grants in id order, without paging:
   * the store applies afterImageId itself (and may answer from its cache).
   */
  grantsTo?: string;
}

/**
 * DescribeImages' visible-set narrowing as one SELECT of image ids in id order, each access path on
 * an index: owner → images_owner_image (covering), shared-with-me → launch_permissions_grantee_image
 * (kind, value, image_id), public → images_public.
 */
export function imageQuerySql(q: ImageQuery): ImageQuerySql {
  const params: Record<string, unknown> = { caller: q.callerId };
  // Lists go in as one JSON parameter: one statement per query shape, not per list length.
  const inList = (name: string, values: string[]) => {
    params[name] = JSON.stringify(values);
    return `(SELECT value FROM json_each(@${name}))`;
  };
  const sharedWithCaller = `SELECT p.image_id FROM launch_permissions p WHERE p.kind = 'userId' AND p.value = @caller`;
  const where: string[] = [];
  const e = q.executableBy;
  if (e?.self && !e.all && e.accountIds.length === 0 && !q.imageIds && !q.ownerIds) {
    // `--executable-users self` alone: the caller's grants straight from the grantee index, in id
    // order; a grant makes the image visible. My own images are excluded (FND-1) on the documents,
    // and the page is cut after that.
    // Paging (afterImageId) is left to the store, which keeps the whole list per account.
    return {
      sql: `${sharedWithCaller} ORDER BY p.image_id`,
      params,
      notOwnedBy: q.callerId,
      grantsTo: q.callerId,
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
    };
  }
  // Visible: own, public, or shared with the caller by account id (PRM-1); `--owners self` needs
  // no check at all.
  const ownOnly =
    q.ownerIds !== undefined && q.ownerIds.length > 0 && q.ownerIds.every((o) => o === q.callerId);
  if (!ownOnly)
    where.push(`(i.owner_id = @caller OR i.is_public = 1 OR EXISTS (SELECT 1 FROM launch_permissions p
       WHERE p.image_id = i.image_id AND p.kind = 'userId' AND p.value = @caller))`);
  if (e) {
    const any: string[] = [];
    if (e.all) any.push("i.is_public = 1");
    if (e.self) any.push(`(i.owner_id <> @caller AND i.image_id IN (${sharedWithCaller}))`);
    if (e.accountIds.length > 0)
      any.push(`i.image_id IN (SELECT p.image_id FROM launch_permissions p
        WHERE p.kind = 'userId' AND p.value IN ${inList("exec", e.accountIds)})`);
    where.push(any.length > 0 ? `(${any.join(" OR ")})` : "0");
  }
  if (q.imageIds) where.push(`i.image_id IN ${inList("ids", q.imageIds)}`);
  if (q.ownerIds?.length === 1) {
    params.owner = q.ownerIds[0];
    where.push("i.owner_id = @owner");
  } else if (q.ownerIds) where.push(`i.owner_id IN ${inList("owners", q.ownerIds)}`);
  if (q.afterImageId !== undefined) {
    params.after = q.afterImageId;
    where.push("i.image_id > @after");
  }
  let sql = `SELECT i.image_id FROM images i WHERE ${where.join(" AND ")} ORDER BY i.image_id`;
  if (q.limit !== undefined) {
    params.limit = q.limit;
    sql += " LIMIT @limit";
  }
  return { sql, params };
}
