import { newImageId } from "../ids.js";
import type { Image, Tag } from "../store/types.js";
import { checkImageId, visibleImage } from "./access.js";
import { checkAllowed } from "./allowed-images.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { Ec2Error, invalidParameterValue, missingParameter } from "./errors.js";
import { duplicateName, IMAGE_NAME, malformedName, ownerAliasOf } from "./register-image.js";
import { isReservedTag } from "./tags.js";
import { el } from "./xml.js";

/** A Region's name (us-east-1, us-gov-west-1, ap-southeast-2). */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** ClientToken: up to 64 ASCII characters (EC2 "Ensuring idempotency"). */
const CLIENT_TOKEN = /^[\x20-\x7e]{1,64}$/;

/** TagSpecification.N for the copy: image tags kept, snapshot tags accepted (no snapshots here). */
function copyTags(ctx: Ec2Context): Tag[] {
  const tags: Tag[] = [];
  for (const spec of ctx.params.structs("TagSpecification")) {
    const type = spec.get("ResourceType");
    if (type !== "image" && type !== "snapshot")
      throw invalidParameterValue(`'${type}' is not a valid taggable resource type for this operation.`);
    for (const t of spec.structs("Tag")) {
      const key = t.require("Key");
      if (key.toLowerCase().startsWith("aws:") || isReservedTag(key))
        throw invalidParameterValue(`Tag keys starting with '${key.split(":")[0]}:' are reserved`);
      if (type === "image") tags.push({ key, value: t.get("Value") ?? "" });
    }
  }
  return tags;
}

/** The caller's own tags on the source (CopyImageTags), system tags left out (model CopyImageTags doc). */
async function ownTags(ctx: Ec2Context, sourceId: string): Promise<Tag[]> {
  const tags = (await ctx.store.tags(ctx.caller.accountId, [sourceId])).get(sourceId) ?? [];
  return tags.filter((t) => !t.key.toLowerCase().startsWith("aws:") && !isReservedTag(t.key));
}

/** CopyImageTags' tags, then TagSpecifications' (which win on the same key). */
function merged(copied: Tag[], given: Tag[]): Tag[] {
  const byKey = new Map<string, Tag>();
  for (const t of [...copied, ...given]) byKey.set(t.key, t);
  return [...byKey.values()];
}

/**
 * CopyImage inside the catalogue: the caller takes its own copy of an image it can see (its own,
 * shared with it, or public), in this catalogue's one Region. The copy is a new image owned by the
 * caller over the same blob (content-addressed: no byte is copied); launch permissions, the
 * owner's tags, deprecation and protection stay with the source (EC2 UG "Copy an AMI"). A copy with
 * a pushed disk is pending until its own scan is done: the consumer's verdict, not the publisher's.
 *
 * Validation order (docs/server.md): SourceImageId, SourceRegion, Name (1), the id (2), Name,
 * the Region's form, Encrypted/KmsKeyId, destinations, tags, ClientToken (3), another Region or an
 * image the caller cannot see (4), the source's state, the token already used, the name in use (6).
 */
export const copyImage: Ec2Action = {
  name: "CopyImage",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const { params, store, caller } = ctx;
    const sourceId = params.require("SourceImageId");
    const sourceRegion = params.require("SourceRegion");
    const name = params.get("Name");
    if (name === undefined || name === "") throw missingParameter("Name");
    checkImageId(sourceId);
    if (!IMAGE_NAME.test(name)) throw malformedName();
    if (!REGION.test(sourceRegion)) throw invalidParameterValue(`Invalid region: ${sourceRegion}`);
    const encrypted = params.bool("Encrypted");
    const kmsKeyId = params.get("KmsKeyId");
    if (kmsKeyId !== undefined && encrypted !== true)
      throw new Ec2Error(
        "InvalidParameterDependency",
        "The parameter KmsKeyId requires the parameter Encrypted to be set.",
      );
    for (const p of ["DestinationOutpostArn", "DestinationAvailabilityZone", "DestinationAvailabilityZoneId"])
      if (params.has(p))
        throw new Ec2Error("UnsupportedOperation", `${p}: this catalogue has no Outposts or Local Zones.`);
    const duration = params.int("SnapshotCopyCompletionDurationMinutes");
    if (duration !== undefined && (duration < 15 || duration % 15 !== 0))
      throw invalidParameterValue(
        `Value (${duration}) for parameter SnapshotCopyCompletionDurationMinutes is invalid. Expect a multiple of 15.`,
      );
    const given = copyTags(ctx);
    const copyTagsToo = params.bool("CopyImageTags") ?? false;
    const clientToken = params.get("ClientToken");
    if (clientToken !== undefined && !CLIENT_TOKEN.test(clientToken))
      throw invalidParameterValue("ClientToken must be 1 to 64 printable ASCII characters.");
    // One Region: an image in any other is not here to copy (as moto answers for a Region without it).
    if (sourceRegion !== ctx.region)
      throw new Ec2Error(
        "InvalidAMIID.NotFound",
        `The image id '[${sourceId}]' does not exist in ${sourceRegion} (this catalogue is ${ctx.region})`,
      );
    const source = await visibleImage(ctx, sourceId);
    // Allowed AMIs enabled: an image the caller's criteria do not allow is not its to use.
    await checkAllowed(ctx, source);
    if (source.state !== "available")
      throw new Ec2Error(
        "IncorrectState",
        source.state === "disabled"
          ? `The image ${sourceId} is disabled; it can be copied once enabled again.`
          : `The image ${sourceId} is ${source.state}${source.state === "pending" ? " (its scan is running)" : ""}; only an available image can be copied.`,
      );
    const own = await store.queryImages({ callerId: caller.accountId, ownerIds: [caller.accountId] });
    if (clientToken !== undefined) {
      // The same request again answers the copy it made (EC2's idempotency); another request with
      // the same token is refused.
      const earlier = own.find((i) => i.clientToken === clientToken);
      if (earlier) {
        if (earlier.sourceImageId === sourceId && earlier.name === name)
          return el("imageId", earlier.imageId);
        throw new Ec2Error(
          "IdempotentParameterMismatch",
          `The client token ${clientToken} was used for another request (image ${earlier.imageId}).`,
        );
      }
    }
    const clash = own.find((i) => i.name === name);
    if (clash) throw duplicateName(name, clash.imageId);
    const tags = merged(copyTagsToo ? await ownTags(ctx, sourceId) : [], given);
    const image: Image = {
      imageId: newImageId(),
      ownerId: caller.accountId,
      name,
      architecture: source.architecture,
      virtualizationType: source.virtualizationType,
      rootDeviceType: source.rootDeviceType,
      platformDetails: source.platformDetails,
      imageLocation: `${caller.accountId}/${name}`,
      state: source.blob ? "pending" : "available",
      creationDate: ctx.now.toISOString(),
      blockDeviceMappings: source.blockDeviceMappings.map((m) =>
        m.ebs && encrypted
          ? { ...m, ebs: { ...m.ebs, encrypted: true, ...(kmsKeyId !== undefined ? { kmsKeyId } : {}) } }
          : m,
      ),
      isPublic: false,
      sourceImageId: sourceId,
      sourceImageRegion: sourceRegion,
    };
    for (const k of [
      "rootDeviceName",
      "platform",
      "bootMode",
      "enaSupport",
      "sriovNetSupport",
      "imdsSupport",
      "tpmSupport",
      "kernelId",
      "ramdiskId",
      "blob",
      "given",
    ] as const)
      if (source[k] !== undefined) (image as unknown as Record<string, unknown>)[k] = source[k];
    const description = params.get("Description");
    if (description !== undefined) image.description = description;
    const alias = await ownerAliasOf(ctx);
    if (alias !== undefined) image.ownerAlias = alias;
    if (clientToken !== undefined) image.clientToken = clientToken;
    await store.insertImage(image, tags, ctx.audit);
    // Its own scan of the same bytes: the copy's verdict is the consumer's own record.
    if (image.blob) await ctx.scans.schedule(image.imageId);
    return el("imageId", image.imageId);
  },
};
