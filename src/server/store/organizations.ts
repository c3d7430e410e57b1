/**
 * Organization and OU launch permissions (EC2 UG "Share an AMI with organizations and OUs"): an
 * organization ARN reaches every account of the organization, an OU ARN every account in that OU
 * and in the OUs below it. The ARN's account (the organization's management account) is not
 * compared: an organization id names one organization.
 */
import type { LaunchPermission, OrganizationMembership } from "./types.js";

/** AWS Organizations' id patterns (API reference, Organization.Id and OrganizationalUnit.Id). */
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
export const OU_ID = /^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/;
/** OUs nest at most five deep under the root (AWS Organizations quotas). */
export const MAX_OU_DEPTH = 5;

/** How an organization ARN ends: `…:organization/o-…`. */
export const organizationArnEnd = (organizationId: string) => `:organization/${organizationId}`;
/** How an OU ARN ends: `…:ou/o-…/ou-…`. */
export const ouArnEnd = (organizationId: string, ouId: string) => `:ou/${organizationId}/${ouId}`;

/** Does this launch permission reach the account (by its id, organization or OUs)? */
export function grantReaches(
  p: LaunchPermission,
  accountId: string,
  organization: OrganizationMembership | undefined,
): boolean {
  if ("userId" in p) return p.userId === accountId;
  if (organization === undefined) return false;
  if ("organizationArn" in p)
    return p.organizationArn.endsWith(organizationArnEnd(organization.organizationId));
  if ("organizationalUnitArn" in p)
    return organization.ouPath.some((ou) =>
      p.organizationalUnitArn.endsWith(ouArnEnd(organization.organizationId, ou)),
    );
  return false;
}

/** Does an organization or OU ARN name the member's organization, or an OU on its path? */
export function arnReaches(arn: string, organization: OrganizationMembership | undefined): boolean {
  if (organization === undefined) return false;
  const { organizationId, ouPath } = organization;
  return (
    arn.endsWith(organizationArnEnd(organizationId)) ||
    ouPath.some((ou) => arn.endsWith(ouArnEnd(organizationId, ou)))
  );
}

/** A deregistered image's sharedWith (account ids, organization and OU ARNs) reaches the account. */
export function sharedWithReaches(
  sharedWith: readonly string[],
  accountId: string,
  organization: OrganizationMembership | undefined,
): boolean {
  return sharedWith.some((v) => v === accountId || (v.startsWith("arn:") && arnReaches(v, organization)));
}

/** The stored form of an OU path ("ou-a/ou-b", root first) and back. */
export const ouPathText = (path: readonly string[]): string | null =>
  path.length > 0 ? path.join("/") : null;
export const ouPathOf = (text: unknown): string[] =>
  typeof text === "string" && text !== "" ? text.split("/") : [];

/** The membership as the accounts row keeps it, or undefined outside any organization. */
export function membershipOf(organizationId: unknown, ouPath: unknown): OrganizationMembership | undefined {
  return typeof organizationId === "string" ? { organizationId, ouPath: ouPathOf(ouPath) } : undefined;
}

/** A typed refusal of a membership that AWS Organizations could not have. */
export class MembershipError extends Error {
  override readonly name = "MembershipError";
}

export function checkMembership(m: OrganizationMembership): void {
  if (!ORGANIZATION_ID.test(m.organizationId))
    throw new MembershipError(
      `${m.organizationId} is not an organization id (o- and 10 to 32 letters or digits)`,
    );
  if (m.ouPath.length > MAX_OU_DEPTH)
    throw new MembershipError(`OUs nest at most ${MAX_OU_DEPTH} deep; ${m.ouPath.length} given`);
  for (const ou of m.ouPath)
    if (!OU_ID.test(ou))
      throw new MembershipError(`${ou} is not an OU id (ou-<root>-<8 to 32 letters or digits>)`);
  if (new Set(m.ouPath).size !== m.ouPath.length)
    throw new MembershipError("an OU appears twice in the path");
}
