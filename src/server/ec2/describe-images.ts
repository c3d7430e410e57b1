import { ACCOUNT_ID } from "../ids.js";
import { ownImagesOnly } from "../store/image-query.js";
import type { ImageQuery, Store } from "../store/types.js";
import { checkImageId, organizationOf } from "./access.js";
import { allowedImagesOf } from "./allowed-images.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { mergeById, recentlyDeregistered } from "./deregistered.js";
import { Ec2Error, invalidParameterValue, notFound } from "./errors.js";
import { imageMatcher, parseFilters } from "./filters.js";
import { imagesSetXml } from "./image-xml.js";
import { el } from "./xml.js";

/** Owner aliases reserved for system accounts (FND-2; reference §3.5). */
export const RESERVED_ALIASES = ["amazon", "aws-marketplace", "aws-backup-vault"] as const;

const malformedUser = (v: string) => new Ec2Error("InvalidUserID.Malformed", `Invalid user id: "${v}"`);

async function resolveOwners(store: Store, callerId: string, owners: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const o of owners) {
    if (o === "self") ids.push(callerId);
    else if (ACCOUNT_ID.test(o)) ids.push(o);
    else if ((RESERVED_ALIASES as readonly string[]).includes(o)) {
      const a = await store.accountByAlias(o);
      if (a) ids.push(a.accountId);
    } else throw malformedUser(o);
  }
  return ids;
}

function executableBy(callerId: string, values: string[]): NonNullable<ImageQuery["executableBy"]> {
  const e = { all: false, self: false, accountIds: [] as string[] };
  for (const v of values) {
    if (v === "all") e.all = true;
    else if (v === "self" || v === callerId) e.self = true;
    else if (ACCOUNT_ID.test(v)) e.accountIds.push(v);
    else throw malformedUser(v);
  }
  return e;
}

/** NextToken is opaque to clients: the last image id of the previous page. */
const encodeToken = (imageId: string) => Buffer.from(`v1:${imageId}`).toString("base64url");
function decodeToken(token: string): string {
  const s = Buffer.from(token, "base64url").toString("utf8");
  if (!s.startsWith("v1:")) throw invalidParameterValue(`Invalid value '${token}' for NextToken.`);
  return s.slice(3);
}

export const describeImages: Ec2Action = {
  name: "DescribeImages",
  mutating: false,
  async run(ctx: Ec2Context): Promise<Buffer[]> {
    const { params, store, caller } = ctx;
    const imageIds = params.list("ImageId");
    imageIds.forEach(checkImageId);
    const maxResults = params.int("MaxResults");
    if (maxResults !== undefined) {
      if (imageIds.length > 0)
        throw new Ec2Error(
          "InvalidParameterCombination",
          "The parameter imageIdsSet cannot be used with the parameter maxResults",
        );
      if (maxResults < 5 || maxResults > 1000)
        throw invalidParameterValue(
          `Value ( ${maxResults} ) for parameter maxResults is invalid. Expect between 5 and 1000.`,
        );
    }
    const includeDeprecated = params.bool("IncludeDeprecated") ?? false;
    const includeDisabled = params.bool("IncludeDisabled") ?? false;
    const owners = params.list("Owner");
    const exec = params.list("ExecutableBy");
    const filters = parseFilters(params);
    const matcher = imageMatcher(filters);
    const query: ImageQuery = { callerId: caller.accountId };
    if (imageIds.length > 0) query.imageIds = imageIds;
    // Disabled images only on request; other owners' deprecated ones only on request or by id
    // (EC2 UG "Deprecate an AMI": AMI users see one when they give its id; owners always).
    if (!includeDisabled) query.excludeDisabled = true;
    if (!includeDeprecated && imageIds.length === 0) query.hideDeprecatedAsOf = ctx.now.toISOString();
    if (owners.length > 0) query.ownerIds = await resolveOwners(store, caller.accountId, owners);
    if (exec.length > 0) query.executableBy = executableBy(caller.accountId, exec);
    const next = params.get("NextToken");
    if (next !== undefined && next !== "") query.afterImageId = decodeToken(next);
    // Reads that do not wait on each other go together: on PostgreSQL each is a round trip. The
    // caller's organization decides only what others shared with it, so its own images
    // (`--owners self`) are read without it; the Allowed AMIs settings are waited for first only
    // when they decide where a page is cut.
    const ownOnly = ownImagesOnly(query);
    const settingsRead = allowedImagesOf(ctx);
    settingsRead.catch(() => {}); // awaited below; a failure of the reads before it is the one thrown
    const organization = ownOnly ? undefined : await organizationOf(store, caller.accountId, ctx);
    if (organization) query.organization = organization;
    if (maxResults !== undefined) {
      // Allowed AMIs enabled leaves out what the criteria do not allow, as a filter does.
      const narrowed = filters.length > 0 || (await settingsRead)?.state === "enabled";
      // Keyset paging in storage; with filters (evaluated here) the page is cut after filtering.
      if (!narrowed) query.limit = maxResults + 1;
    }
    // The caller's tags come with the stored images (deregistered ones have none left).
    const [{ images: stored, tags }, deregistered, allowedImages] = await Promise.all([
      store.queryImagesWithTags(query, caller.accountId),
      recentlyDeregistered(ctx, query),
      settingsRead,
    ]);
    let candidates = mergeById(stored, deregistered);
    if (query.limit !== undefined) candidates = candidates.slice(0, query.limit);
    if (imageIds.length > 0) {
      // Ids that exist nowhere are an error; existing ones the caller cannot see are left out, and
      // so are deregistered ones once their interval is over.
      const missing: string[] = [];
      for (const id of new Set(imageIds))
        if (!(await store.image(id)) && !(await store.deregisteredImage(id))) missing.push(id);
      if (missing.length > 0) throw notFound(missing);
    }
    let images =
      filters.length === 0 ? candidates : candidates.filter((i) => matcher(i, tags.get(i.imageId) ?? []));
    const allowed = allowedImages && (await allowedImages.judge(images));
    if (allowed && allowedImages?.state === "enabled") images = images.filter((i) => allowed.get(i.imageId));
    let nextToken: string | undefined;
    if (maxResults !== undefined && images.length > maxResults) {
      images = images.slice(0, maxResults);
      nextToken = encodeToken(images[images.length - 1]!.imageId);
    }
    const items = imagesSetXml(images, tags, ctx.now, allowed);
    if (nextToken !== undefined) items.push(Buffer.from(el("nextToken", nextToken)));
    return items;
  },
};
