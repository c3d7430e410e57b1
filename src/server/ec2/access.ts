import { IMAGE_ID } from "../ids.js";
import { grantReaches, sharedWithReaches } from "../store/organizations.js";
import type {
  DeregisteredImage,
  Image,
  LaunchPermission,
  OrganizationMembership,
  Store,
} from "../store/types.js";
import type { Ec2Context } from "./context.js";
import { Ec2Error, malformedImageId, notFound, unavailable } from "./errors.js";

/**
 * Visible: own, public, or shared with the caller's account id, or with its organization or one of
 * its OUs (PRM-1, reference §3.1; EC2 UG "Share an AMI with organizations and OUs").
 */
export function canSee(
  image: Image,
  callerId: string,
  permissions: readonly LaunchPermission[],
  organization?: OrganizationMembership,
): boolean {
  return (
    image.ownerId === callerId ||
    image.isPublic ||
    permissions.some((p) => grantReaches(p, callerId, organization))
  );
}

/** The caller's organization and OUs (read once per request). */
const memberships = new WeakMap<object, Promise<OrganizationMembership | undefined>>();
export function organizationOf(
  store: Store,
  accountId: string,
  request: object,
): Promise<OrganizationMembership | undefined> {
  let m = memberships.get(request);
  if (!m) {
    m = store.account(accountId).then((a) => a?.organization);
    memberships.set(request, m);
  }
  return m;
}

/** canSee with the launch permissions and the caller's organization read from the store. */
export async function visibleTo(
  store: Store,
  image: Image,
  callerId: string,
  request: object,
): Promise<boolean> {
  if (image.ownerId === callerId || image.isPublic) return true;
  const permissions = await store.launchPermissions(image.imageId);
  return canSee(image, callerId, permissions, await organizationOf(store, callerId, request));
}

/**
 * Who could see a deregistered image when it went: its owner, anyone if public, the accounts it was
 * shared with, by id or through their organization or OUs.
 */
export function couldSee(
  record: DeregisteredImage,
  callerId: string,
  organization?: OrganizationMembership,
): boolean {
  return (
    record.image.ownerId === callerId ||
    record.image.isPublic ||
    sharedWithReaches(record.sharedWith, callerId, organization)
  );
}

export function checkImageId(id: string): void {
  if (!IMAGE_ID.test(id)) throw malformedImageId(id);
}

/**
 * The image as the caller may see it; for anyone else it does not exist (InvalidAMIID.NotFound). A
 * deregistered image is InvalidAMIID.Unavailable for those who could see it.
 */
export async function visibleImage(ctx: Ec2Context, imageId: string): Promise<Image> {
  checkImageId(imageId);
  const image = await ctx.store.image(imageId);
  if (!image) {
    const record = await ctx.store.deregisteredImage(imageId);
    const organization = record && (await organizationOf(ctx.store, ctx.caller.accountId, ctx));
    throw record && couldSee(record, ctx.caller.accountId, organization)
      ? unavailable(imageId)
      : notFound([imageId]);
  }
  if (!(await visibleTo(ctx.store, image, ctx.caller.accountId, ctx))) throw notFound([imageId]);
  return image;
}

/**
 * Only the owner modifies, resets, deregisters or reads attributes. A caller who can see the image
 * but does not own it gets EC2's AuthFailure "Not authorized for image:…" (HTTP 400).
 */
export async function ownedImage(ctx: Ec2Context, imageId: string): Promise<Image> {
  const image = await visibleImage(ctx, imageId);
  if (image.ownerId !== ctx.caller.accountId)
    throw new Ec2Error("AuthFailure", `Not authorized for image:${imageId}`, 400);
  return image;
}
