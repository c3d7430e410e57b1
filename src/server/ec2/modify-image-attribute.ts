import { ACCOUNT_ID } from "../ids.js";
import type { LaunchPermission } from "../store/types.js";
import { checkImageId, ownedImage } from "./access.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { publicDeprecationLimit } from "./deprecation.js";
import { disabledImage, Ec2Error, invalidParameterValue } from "./errors.js";
import type { Ec2Params } from "./query.js";
import { el } from "./xml.js";

/** Up to 1,000 accounts, organizations and OUs per image (EC2 UG quotas). */
export const MAX_SHARING_ENTITIES = 1000;

const ORG_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/;
const OU_ARN =
  /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/;

const badItem = (value: string, type: string) =>
  new Ec2Error(
    "InvalidAMIAttributeItemValue",
    `Invalid attribute item value "${value}" for ${type} item type.`,
  );

/** Validates every item before anything changes, so a bad item never leaves a partial update. */
function permission(
  kind: "UserId" | "Group" | "OrganizationArn" | "OrganizationalUnitArn",
  v: string,
): LaunchPermission {
  switch (kind) {
    case "UserId":
      if (!ACCOUNT_ID.test(v)) throw badItem(v, "userId");
      return { userId: v };
    case "Group":
      if (v !== "all") throw badItem(v, "UserGroup");
      return { group: "all" };
    case "OrganizationArn":
      if (!ORG_ARN.test(v)) throw invalidParameterValue(`Invalid organization ARN: ${v}`);
      return { organizationArn: v };
    case "OrganizationalUnitArn":
      if (!OU_ARN.test(v)) throw invalidParameterValue(`Invalid organizational unit ARN: ${v}`);
      return { organizationalUnitArn: v };
  }
}

const KINDS = ["UserId", "Group", "OrganizationArn", "OrganizationalUnitArn"] as const;

function structured(items: Ec2Params[]): LaunchPermission[] {
  const out: LaunchPermission[] = [];
  for (const item of items)
    for (const kind of KINDS) {
      const v = item.get(kind);
      if (v !== undefined) out.push(permission(kind, v));
    }
  return out;
}

/** The legacy form: OperationType + UserId.N / UserGroup.N / OrganizationArn.N / OrganizationalUnitArn.N. */
function legacy(params: Ec2Params): LaunchPermission[] {
  return [
    ...params.list("UserId").map((v) => permission("UserId", v)),
    ...params.list("UserGroup").map((v) => permission("Group", v)),
    ...params.list("OrganizationArn").map((v) => permission("OrganizationArn", v)),
    ...params.list("OrganizationalUnitArn").map((v) => permission("OrganizationalUnitArn", v)),
  ];
}

interface Change {
  launchPermission?: { add: LaunchPermission[]; remove: LaunchPermission[] };
  description?: string;
  imdsSupport?: string;
}

function parseChange(params: Ec2Params): Change {
  const attribute = params.get("Attribute");
  const lp = params.sub("LaunchPermission");
  const add = structured(lp.structs("Add"));
  const remove = structured(lp.structs("Remove"));
  const op = params.get("OperationType");
  if (op !== undefined) {
    if (op !== "add" && op !== "remove")
      throw invalidParameterValue(`Value (${op}) for parameter operationType is invalid.`);
    (op === "add" ? add : remove).push(...legacy(params));
  } else if (params.list("UserId").length + params.list("UserGroup").length > 0) {
    throw new Ec2Error("MissingParameter", "The request must contain the parameter operationType");
  }
  if (params.list("ProductCode").length > 0)
    throw new Ec2Error("InvalidParameterCombination", "ProductCodes are not supported.");
  const change: Change = {};
  if (add.length + remove.length > 0) change.launchPermission = { add, remove };
  const description =
    params.get("Description.Value") ?? (attribute === "description" ? params.get("Value") : undefined);
  if (description !== undefined) change.description = description;
  const imds =
    params.get("ImdsSupport.Value") ?? (attribute === "imdsSupport" ? params.get("Value") : undefined);
  if (imds !== undefined) {
    if (imds !== "v2.0") throw invalidParameterValue(`Value (${imds}) for parameter imdsSupport is invalid.`);
    change.imdsSupport = imds;
  }
  const count = Object.keys(change).length;
  if (count === 0) throw new Ec2Error("InvalidParameterCombination", "No attributes specified.");
  if (count > 1)
    throw new Ec2Error("InvalidParameterCombination", "Only one attribute can be modified at a time.");
  return change;
}

export const modifyImageAttribute: Ec2Action = {
  name: "ModifyImageAttribute",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const imageId = ctx.params.require("ImageId");
    checkImageId(imageId);
    const change = parseChange(ctx.params);
    const image = await ownedImage(ctx, imageId);
    if (image.state === "disabled") throw disabledImage(imageId);
    if (change.description !== undefined)
      await ctx.store.updateImage(imageId, { description: change.description }, ctx.audit);
    if (change.imdsSupport !== undefined)
      await ctx.store.updateImage(imageId, { imdsSupport: change.imdsSupport }, ctx.audit);
    if (change.launchPermission) {
      // The owner always keeps every right and never appears in the list (PRM-6).
      const notOwner = (p: LaunchPermission) => !("userId" in p && p.userId === image.ownerId);
      const add = change.launchPermission.add.filter(notOwner);
      const remove = change.launchPermission.remove;
      if (add.some((p) => "group" in p) && (await ctx.store.blockPublicAccess(image.ownerId)))
        throw new Ec2Error(
          "OperationNotPermitted",
          "You can’t publicly share this image because block public access for AMIs is enabled for this account. To publicly share the image, you must call the DisableImageBlockPublicAccess API.",
        );
      const makesPublic =
        !image.isPublic && add.some((p) => "group" in p) && !remove.some((p) => "group" in p);
      if (
        makesPublic &&
        ctx.publicImageQuota > 0 &&
        (await ctx.store.countPublicImages(image.ownerId)) >= ctx.publicImageQuota
      )
        throw new Ec2Error(
          "ResourceLimitExceeded",
          `You have reached your quota of ${ctx.publicImageQuota} for the number of public images allowed in this Region.`,
        );
      if (add.length > 0) await ctx.gate.checkShare(image, add);
      const current = await ctx.store.launchPermissions(imageId);
      const entities = new Set(current.filter((p) => !("group" in p)).map((p) => JSON.stringify(p)));
      for (const p of remove) entities.delete(JSON.stringify(p));
      for (const p of add) if (!("group" in p)) entities.add(JSON.stringify(p));
      if (entities.size > MAX_SHARING_ENTITIES)
        throw new Ec2Error(
          "ResourceLimitExceeded",
          `You have reached the limit of ${MAX_SHARING_ENTITIES} accounts, organizations and organizational units an image can be shared with.`,
        );
      await ctx.store.modifyLaunchPermissions(imageId, add, remove, ctx.audit);
      // A public image is deprecated at most 2 years after its creation (EC2's default for
      // every public AMI, EC2 UG "Deprecate an AMI").
      const limit = publicDeprecationLimit(image).toISOString();
      if (makesPublic && (image.deprecationTime === undefined || image.deprecationTime > limit))
        await ctx.store.updateImage(imageId, { deprecationTime: limit }, ctx.audit);
    }
    return el("return", true);
  },
};
