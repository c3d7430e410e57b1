import { sharedWithReaches } from "../store/organizations.js";
import type { DeregisteredImage, Image, ImageQuery } from "../store/types.js";
import { couldSee } from "./access.js";
import type { Ec2Context } from "./context.js";

/**
 * Recently deregistered images as DescribeImages lists them: EC2 keeps a deregistered image in its
 * results "for a short interval" (serve --deregistered-listing), state "deregistered", to those who
 * could see it, narrowed like the live images (owners, ExecutableBy, ids, paging, deprecation).
 */
export async function recentlyDeregistered(ctx: Ec2Context, q: ImageQuery): Promise<Image[]> {
  if (ctx.deregisteredListingMs <= 0) return [];
  const since = new Date(ctx.now.getTime() - ctx.deregisteredListingMs).toISOString();
  const records = await ctx.store.deregisteredSince(since, q.imageIds, {
    callerId: q.callerId,
    inOrganization: q.organization !== undefined,
  });
  return records.filter((r) => matches(r, q)).map((r) => r.image);
}

function matches(r: DeregisteredImage, q: ImageQuery): boolean {
  const { image } = r;
  const caller = q.callerId;
  if (!couldSee(r, caller, q.organization)) return false;
  if (q.ownerIds && !q.ownerIds.includes(image.ownerId)) return false;
  if (q.afterImageId !== undefined && image.imageId <= q.afterImageId) return false;
  const e = q.executableBy;
  if (
    e &&
    !(
      (e.all && image.isPublic) ||
      (e.self && image.ownerId !== caller && sharedWithReaches(r.sharedWith, caller, q.organization)) ||
      e.accountIds.some((a) => r.sharedWith.includes(a))
    )
  )
    return false;
  const asOf = q.hideDeprecatedAsOf;
  return (
    asOf === undefined ||
    image.ownerId === caller ||
    image.deprecationTime === undefined ||
    image.deprecationTime > asOf
  );
}

/** Two lists in image id order as one, in id order. */
export function mergeById(a: readonly Image[], b: readonly Image[]): Image[] {
  if (b.length === 0) return [...a];
  return [...a, ...b].sort((x, y) => (x.imageId < y.imageId ? -1 : x.imageId > y.imageId ? 1 : 0));
}
