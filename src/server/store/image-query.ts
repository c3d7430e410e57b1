import type { ImageQuery } from "./types.js";

/**
 * DescribeImages' visible-set narrowing as one SELECT of (image_id, rev) in image id order, each
 * access path on an index: owner → images_owner_image (covering), shared-with-me →
 * launch_permissions_grantee_image (kind, value, image_id), public → images_public.
 */
export function imageQuerySql(q: ImageQuery): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { caller: q.callerId };
  // Lists go in as one JSON parameter: one statement per query shape, not per list length.
  const inList = (name: string, values: string[]) => {
    params[name] = JSON.stringify(values);
    return `(SELECT value FROM json_each(@${name}))`;
  };
  const sharedWithCaller = `SELECT p.image_id FROM launch_permissions p WHERE p.kind = 'userId' AND p.value = @caller`;
  const where: string[] = [];
  const e = q.executableBy;
  let from = "images i";
  let order = "i.image_id";
  if (e?.self && !e.all && e.accountIds.length === 0) {
    // `--executable-users self` alone: walk the caller's grants in image id order (the grantee
    // index), join each image by key; a grant makes the image visible, and my own images are
    // excluded (FND-1).
    from = "launch_permissions p JOIN images i ON i.image_id = p.image_id";
    order = "p.image_id";
    where.push("p.kind = 'userId' AND p.value = @caller AND i.owner_id <> @caller");
  } else {
    // Visible: own, public, or shared with the caller by account id (PRM-1).
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
  }
  if (q.imageIds) where.push(`i.image_id IN ${inList("ids", q.imageIds)}`);
  if (q.ownerIds?.length === 1) {
    params.owner = q.ownerIds[0];
    where.push("i.owner_id = @owner");
  } else if (q.ownerIds) where.push(`i.owner_id IN ${inList("owners", q.ownerIds)}`);
  if (q.afterImageId !== undefined) {
    params.after = q.afterImageId;
    where.push(`${order} > @after`);
  }
  let sql = `SELECT i.image_id, i.rev FROM ${from} WHERE ${where.join(" AND ")} ORDER BY ${order}`;
  if (q.limit !== undefined) {
    params.limit = q.limit;
    sql += " LIMIT @limit";
  }
  return { sql, params };
}
