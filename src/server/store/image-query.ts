import { organizationArnEnd, ouArnEnd } from "./organizations.js";
import type { Image, ImageQuery } from "./types.js";

export interface ImageQuerySql<P = Record<string, unknown>> {
  sql: string;
  params: P;
  /** Checks left to the caller on the documents: leave out this owner's images, then cut at limit. */
  notOwnedBy?: string;
  limit?: number;
  /**
   * Set when the statement is exactly this account's user-id grants in id order, without paging:
   * the store applies afterImageId itself (and may answer from its cache).
   */
  grantsTo?: string;
}

/** What differs between the stores' SQL here: how parameters are named and how a flag is tested. */
export interface SqlDialect<P> {
  /** The placeholder for a value (the same name twice is the same parameter). */
  value(name: string, v: unknown): string;
  /** A subquery of the strings in a list: one parameter, one statement shape whatever its length. */
  list(name: string, values: string[]): string;
  /** The test that a 0/1 or boolean column is set, in the form its partial index names. */
  isSet(column: string): string;
  /**
   * PostgreSQL's DISTINCT ON and sorted, limited branches merged in order: a listing reads only the
   * rows of its page, and the statement selects the documents itself (the store keeps no grant
   * lists to page).
   */
  readonly mergesSortedBranches: boolean;
  readonly params: P;
}

/** SQLite: @name parameters in one object, lists as one JSON text, flags 0/1. */
export function sqliteDialect(): SqlDialect<Record<string, unknown>> {
  const params: Record<string, unknown> = {};
  return {
    params,
    value(name, v) {
      params[name] = v;
      return `@${name}`;
    },
    list(name, values) {
      params[name] = JSON.stringify(values);
      return `(SELECT value FROM json_each(@${name}))`;
    },
    isSet: (column) => `${column} = 1`,
    mergesSortedBranches: false,
  };
}

/** PostgreSQL: $n parameters in one array, lists as one text[], flags boolean. */
export function postgresDialect(): SqlDialect<unknown[]> {
  const params: unknown[] = [];
  const numbers = new Map<string, number>();
  const at = (name: string, v: unknown) => {
    const n = numbers.get(name) ?? params.push(undefined);
    numbers.set(name, n);
    params[n - 1] = v;
    return `$${n}`;
  };
  return {
    params,
    value: at,
    list: (name, values) => `(SELECT unnest(${at(name, values)}::text[]))`,
    isSet: (column) => column,
    mergesSortedBranches: true,
  };
}

/** `--owners self` (or owner ids all the caller's): visibility needs no check, nor the organization. */
export function ownImagesOnly(q: Pick<ImageQuery, "callerId" | "ownerIds">): boolean {
  return q.ownerIds !== undefined && q.ownerIds.length > 0 && q.ownerIds.every((o) => o === q.callerId);
}

/**
 * The lifecycle's narrowing (disabled, deprecated) as conditions on images `i`: the listing of
 * DescribeImages leaves out disabled images, and other owners' deprecated ones.
 */
export function lifecycleConditions<P>(q: ImageQuery, d: SqlDialect<P>): string[] {
  const where: string[] = [];
  if (q.excludeDisabled) where.push(`NOT (${d.isSet("i.disabled")})`);
  if (q.hideDeprecatedAsOf !== undefined)
    where.push(`(i.owner_id = ${d.value("caller", q.callerId)} OR i.deprecation_time IS NULL
       OR i.deprecation_time > ${d.value("deprecatedAsOf", q.hideDeprecatedAsOf)})`);
  return where;
}

/** The same narrowing on documents (the store's cached grant lists). */
export function lifecycleVisible(q: ImageQuery): ((image: Image) => boolean) | undefined {
  const asOf = q.hideDeprecatedAsOf;
  if (!q.excludeDisabled && asOf === undefined) return undefined;
  return (i) =>
    !(q.excludeDisabled && i.state === "disabled") &&
    (asOf === undefined ||
      i.ownerId === q.callerId ||
      i.deprecationTime === undefined ||
      i.deprecationTime > asOf);
}

/**
 * DescribeImages' visible-set narrowing as one SELECT of image ids in id order, each access path on
 * an index: owner → images_owner_listing (covering, with the lifecycle columns), shared-with-me →
 * launch_permissions_grantee_image (kind, value, image_id), public → images_public. `columns`
 * selects more of images `i` than its id (a store without a document cache reads the documents in
 * the same statement); a grantsTo statement always selects ids alone.
 */
export function imageQuerySql(q: ImageQuery): ImageQuerySql;
export function imageQuerySql<P>(q: ImageQuery, dialect: SqlDialect<P>, columns?: string): ImageQuerySql<P>;
export function imageQuerySql(
  q: ImageQuery,
  dialect: SqlDialect<unknown> = sqliteDialect(),
  columns = "i.image_id",
): ImageQuerySql<unknown> {
  const d = dialect;
  // Named when used: PostgreSQL refuses a parameter the statement never mentions.
  const caller = () => d.value("caller", q.callerId);
  const isPublic = d.isSet("i.is_public");
  // The launch permissions that reach the caller: its account id, and when it is in an
  // organization, that organization's ARN and its OUs' (matched by how the ARNs end; both are
  // lowercase by their patterns, so SQLite's case-blind LIKE and PostgreSQL's agree).
  const org = q.organization;
  const reachesCaller = () => {
    const byId = `(p.kind = 'userId' AND p.value = ${caller()})`;
    if (org === undefined) return byId;
    const any = [
      byId,
      `(p.kind = 'organizationArn' AND p.value LIKE ${d.value("orgArn", `%${organizationArnEnd(org.organizationId)}`)})`,
      ...org.ouPath.map(
        (ou, n) =>
          `(p.kind = 'organizationalUnitArn' AND p.value LIKE ${d.value(`ouArn${n}`, `%${ouArnEnd(org.organizationId, ou)}`)})`,
      ),
    ];
    return `(${any.join(" OR ")})`;
  };
  const sharedWithCaller = () =>
    org === undefined
      ? `SELECT p.image_id FROM launch_permissions p WHERE ${reachesCaller()}`
      : `SELECT DISTINCT p.image_id FROM launch_permissions p WHERE ${reachesCaller()}`;
  const where: string[] = [];
  const e = q.executableBy;
  const execSelfAlone = e?.self && !e.all && e.accountIds.length === 0 && !q.imageIds && !q.ownerIds;
  const limit = () => (q.limit !== undefined ? ` LIMIT ${d.value("limit", q.limit)}` : "");
  /** The conditions every image of a listing meets besides being visible: the page, the lifecycle. */
  const paged = (first: string) =>
    [
      first,
      ...(q.afterImageId !== undefined ? [`i.image_id > ${d.value("after", q.afterImageId)}`] : []),
      ...lifecycleConditions(q, d),
    ].join(" AND ");
  if (execSelfAlone && d.mergesSortedBranches) {
    // The caller's grants in id order from the grantee index, each joined to its image, stopped at
    // the page's end (as `IN (grants)` PostgreSQL hashed them and sorted the images: 1.0 against
    // 0.6 ms at 1 M images). An image granted both by id and by organization comes once.
    const distinct = org === undefined ? "" : "DISTINCT ON (i.image_id) ";
    return {
      sql: `SELECT ${distinct}${columns} FROM launch_permissions p JOIN images i ON i.image_id = p.image_id
        WHERE ${paged(`${reachesCaller()} AND i.owner_id <> ${caller()}`)} ORDER BY i.image_id${limit()}`,
      params: d.params,
    };
  }
  if (execSelfAlone) {
    // `--executable-users self` alone: the caller's grants straight from the grantee index, in id
    // order; a grant makes the image visible. My own images are excluded (FND-1) on the documents,
    // and the page is cut after that.
    // Paging (afterImageId) is left to the store, which keeps the whole list per account.
    return {
      sql: `${sharedWithCaller()} ORDER BY p.image_id`,
      params: d.params,
      notOwnedBy: q.callerId,
      // The cached list is the caller's as a member of this organization and OU path.
      grantsTo:
        org === undefined ? q.callerId : `${q.callerId} ${org.organizationId} ${org.ouPath.join("/")}`,
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
    };
  }
  // Visible: own, public, or shared with the caller by account id, organization or OU (PRM-1);
  // `--owners self` needs no check at all.
  const ownOnly = ownImagesOnly(q);
  const unnarrowed = !ownOnly && q.ownerIds === undefined && q.imageIds === undefined && e === undefined;
  if (unnarrowed && d.mergesSortedBranches) {
    // Own, public and shared each read in id order from its index and stopped at the page's end,
    // merged in order: a first page of 1000 reads about 1000 rows, not every visible image (20 k
    // public ones at 1 M images; 1.0 s against 30 ms by EXPLAIN ANALYZE).
    const branch = (from: string, visible: string) =>
      `(SELECT ${columns} FROM ${from} WHERE ${paged(visible)} ORDER BY i.image_id${limit()})`;
    const shared =
      org === undefined
        ? branch("launch_permissions p JOIN images i ON i.image_id = p.image_id", reachesCaller())
        : // One row per image (a grant by id and one by organization would count twice at the limit).
          branch("images i", `i.image_id IN (${sharedWithCaller()})`);
    const branches = [branch("images i", `i.owner_id = ${caller()}`), branch("images i", isPublic), shared];
    return {
      sql: `SELECT DISTINCT ON (image_id) * FROM (${branches.join(" UNION ALL ")}) AS visible ORDER BY image_id${limit()}`,
      params: d.params,
    };
  }
  if (unnarrowed)
    // Nothing else narrows: the three sets each from its index. As one OR, PostgreSQL estimated
    // half the table visible and read all of it (1.4 s at 300 k images for 6 k visible).
    where.push(`i.image_id IN (SELECT v.image_id FROM images v WHERE v.owner_id = ${caller()}
       UNION ALL SELECT v.image_id FROM images v WHERE ${d.isSet("v.is_public")}
       UNION ALL ${sharedWithCaller()})`);
  else if (!ownOnly)
    where.push(`(i.owner_id = ${caller()} OR ${isPublic} OR EXISTS (SELECT 1 FROM launch_permissions p
       WHERE p.image_id = i.image_id AND ${reachesCaller()}))`);
  if (e) {
    const any: string[] = [];
    if (e.all) any.push(isPublic);
    if (e.self) any.push(`(i.owner_id <> ${caller()} AND i.image_id IN (${sharedWithCaller()}))`);
    if (e.accountIds.length > 0)
      any.push(`i.image_id IN (SELECT p.image_id FROM launch_permissions p
        WHERE p.kind = 'userId' AND p.value IN ${d.list("exec", e.accountIds)})`);
    where.push(any.length > 0 ? `(${any.join(" OR ")})` : "FALSE");
  }
  if (q.imageIds) where.push(`i.image_id IN ${d.list("ids", q.imageIds)}`);
  if (q.ownerIds?.length === 1) where.push(`i.owner_id = ${d.value("owner", q.ownerIds[0])}`);
  else if (q.ownerIds) where.push(`i.owner_id IN ${d.list("owners", q.ownerIds)}`);
  if (q.afterImageId !== undefined) where.push(`i.image_id > ${d.value("after", q.afterImageId)}`);
  where.push(...lifecycleConditions(ownOnly ? { ...q, hideDeprecatedAsOf: undefined } : q, d));
  let sql = `SELECT ${columns} FROM images i WHERE ${where.join(" AND ")} ORDER BY i.image_id`;
  if (q.limit !== undefined) sql += ` LIMIT ${d.value("limit", q.limit)}`;
  return { sql, params: d.params };
}
