import { newImageId } from "../ids.js";
import type { BlockDeviceMapping, Image, Tag } from "../store/types.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { RESERVED_ALIASES } from "./describe-images.js";
import { Ec2Error, invalidParameterValue, missingParameter } from "./errors.js";
import type { Ec2Params } from "./query.js";
import { el } from "./xml.js";

/** ImageLocation naming a blob pushed through PUT /amigate/blobs (docs/server.md). */
export const BLOB_LOCATION = /^amigate:blob\/([0-9a-f]{64})$/;

/** 3–128 characters: letters, digits and ()[] ./-'@_ (model RegisterImage Name doc). */
export const IMAGE_NAME = /^[A-Za-z0-9()[\] ./\-'@_]{3,128}$/;

export const malformedName = () =>
  new Ec2Error(
    "InvalidAMIName.Malformed",
    "AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'",
  );

export const duplicateName = (name: string, imageId: string) =>
  new Ec2Error("InvalidAMIName.Duplicate", `AMI name ${name} is already in use by AMI ${imageId}`);
const ARCHITECTURES = ["i386", "x86_64", "arm64", "x86_64_mac", "arm64_mac"];
const VIRTUALIZATION = ["hvm", "paravirtual"];
const BOOT_MODES = ["legacy-bios", "uefi", "uefi-preferred"];

function oneOf(name: string, v: string | undefined, allowed: string[]): string | undefined {
  if (v !== undefined && !allowed.includes(v))
    throw invalidParameterValue(`Value (${v}) for parameter ${name} is invalid.`);
  return v;
}

function blockDevices(params: Ec2Params): BlockDeviceMapping[] {
  return params.structs("BlockDeviceMapping").map((m) => {
    const ebs = m.sub("Ebs");
    const out: BlockDeviceMapping = {};
    const device = m.get("DeviceName");
    if (device !== undefined) out.deviceName = device;
    const virtual = m.get("VirtualName");
    if (virtual !== undefined) out.virtualName = virtual;
    const noDevice = m.get("NoDevice");
    if (noDevice !== undefined) out.noDevice = noDevice;
    if (ebs.entries().length > 0) {
      out.ebs = {};
      const snapshotId = ebs.get("SnapshotId");
      if (snapshotId !== undefined) out.ebs.snapshotId = snapshotId;
      const size = ebs.int("VolumeSize");
      if (size !== undefined) out.ebs.volumeSize = size;
      const type = ebs.get("VolumeType");
      if (type !== undefined) out.ebs.volumeType = type;
      out.ebs.deleteOnTermination = ebs.bool("DeleteOnTermination") ?? true;
      out.ebs.encrypted = ebs.bool("Encrypted") ?? false;
      const iops = ebs.int("Iops");
      if (iops !== undefined) out.ebs.iops = iops;
      const kms = ebs.get("KmsKeyId");
      if (kms !== undefined) out.ebs.kmsKeyId = kms;
    }
    return out;
  });
}

function imageTags(params: Ec2Params): Tag[] {
  const tags: Tag[] = [];
  for (const spec of params.structs("TagSpecification")) {
    const type = spec.get("ResourceType");
    if (type !== "image")
      throw invalidParameterValue(`'${type}' is not a valid taggable resource type for this operation.`);
    for (const t of spec.structs("Tag")) tags.push({ key: t.require("Key"), value: t.get("Value") ?? "" });
  }
  return tags;
}

/** RegisterImage takes an uploaded image (ImageLocation) or a root device (RootDeviceName, BlockDeviceMapping). */
function requireRootDevice(params: Ec2Params): void {
  if (
    params.get("ImageLocation") === undefined &&
    params.get("RootDeviceName") === undefined &&
    params.structs("BlockDeviceMapping").length === 0
  )
    throw new Ec2Error(
      "InvalidParameterCombination",
      "The request must contain ImageLocation or a root device (RootDeviceName and BlockDeviceMapping).",
    );
}

/** Only system owners carry an alias (amazon, aws-marketplace); users cannot alias an owner (FND-2). */
export async function ownerAliasOf(ctx: Ec2Context): Promise<string | undefined> {
  const alias = (await ctx.store.account(ctx.caller.accountId))?.alias;
  return alias !== undefined && (RESERVED_ALIASES as readonly string[]).includes(alias) ? alias : undefined;
}

/**
 * Validation order (docs/server.md): the parameters' own checks first (Name, enumerated values,
 * mappings, tag specifications, the root device), then what depends on stored state (the uploaded
 * blob, the name already in use).
 */
export const registerImage: Ec2Action = {
  name: "RegisterImage",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const { params, store, caller } = ctx;
    const name = params.get("Name");
    if (name === undefined) throw missingParameter("name");
    if (!IMAGE_NAME.test(name)) throw malformedName();
    const architecture = oneOf("architecture", params.get("Architecture"), ARCHITECTURES);
    const virtualizationType = oneOf("virtualizationType", params.get("VirtualizationType"), VIRTUALIZATION);
    const bootMode = oneOf("bootMode", params.get("BootMode"), BOOT_MODES);
    const ena = params.bool("EnaSupport");
    let mappings = blockDevices(params);
    const tags = imageTags(params);
    requireRootDevice(params);
    const location = params.get("ImageLocation");
    let blob: Image["blob"];
    const m = location !== undefined ? BLOB_LOCATION.exec(location) : null;
    if (m) {
      const record = caller.admin
        ? await store.blob(m[1]!)
        : await store.uploadedBlob(m[1]!, caller.accountId);
      if (!record)
        throw invalidParameterValue(`The image location ${location} does not name a blob you uploaded.`);
      blob = { sha256: record.sha256, size: record.size };
    }
    const existing = await store.queryImages({ callerId: caller.accountId, ownerIds: [caller.accountId] });
    const clash = existing.find((i) => i.name === name);
    if (clash) throw duplicateName(name, clash.imageId);
    const rootDeviceName =
      params.get("RootDeviceName") ?? (blob || mappings.length > 0 ? "/dev/xvda" : undefined);
    if (blob && mappings.length === 0)
      // A pushed disk becomes the root volume: one EBS mapping named after its digest.
      mappings = [
        {
          deviceName: rootDeviceName!,
          ebs: {
            snapshotId: `snap-${blob.sha256.slice(0, 17)}`,
            volumeSize: Math.max(1, Math.ceil(blob.size / 2 ** 30)),
            volumeType: "gp3",
            deleteOnTermination: true,
            encrypted: false,
          },
        },
      ];
    const given = ["Architecture", "VirtualizationType", "BootMode"].filter((k) => params.has(k));
    const image: Image = {
      imageId: newImageId(),
      ownerId: caller.accountId,
      name,
      // RegisterImage's documented defaults: i386, paravirtual (model doc); a scan may fill them.
      architecture: architecture ?? "i386",
      virtualizationType: virtualizationType ?? "paravirtual",
      rootDeviceType: mappings.some((b) => b.ebs) || !location ? "ebs" : "instance-store",
      platformDetails: "Linux/UNIX",
      imageLocation: blob ? `${caller.accountId}/${name}` : (location ?? `${caller.accountId}/${name}`),
      state: blob ? "pending" : "available",
      creationDate: new Date().toISOString(),
      blockDeviceMappings: mappings,
      isPublic: false,
      given,
    };
    if (blob) image.blob = blob;
    const alias = await ownerAliasOf(ctx);
    if (alias !== undefined) image.ownerAlias = alias;
    if (rootDeviceName !== undefined) image.rootDeviceName = rootDeviceName;
    const description = params.get("Description");
    if (description !== undefined) image.description = description;
    if (bootMode !== undefined) image.bootMode = bootMode;
    if (ena !== undefined) image.enaSupport = ena;
    for (const k of ["SriovNetSupport", "ImdsSupport", "TpmSupport", "KernelId", "RamdiskId"] as const) {
      const v = params.get(k);
      if (v !== undefined) (image as unknown as Record<string, string>)[k[0]!.toLowerCase() + k.slice(1)] = v;
    }
    await store.insertImage(image, tags, ctx.audit);
    if (blob) await ctx.scans.schedule(image.imageId);
    return el("imageId", image.imageId);
  },
};
