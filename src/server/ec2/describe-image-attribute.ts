import type { Image } from "../store/types.js";
import { checkImageId, ownedImage } from "./access.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { Ec2Error } from "./errors.js";
import { launchPermissionXml } from "./launch-permission-xml.js";
import { protectionOf } from "./protection.js";
import { el, set, wrap } from "./xml.js";

/** Scalar attributes answered as <name><value>…</value></name> (model ImageAttribute shape). */
const SCALARS: Record<string, (i: Image, now: Date) => string | undefined> = {
  description: (i) => i.description,
  kernel: (i) => i.kernelId,
  ramdisk: (i) => i.ramdiskId,
  sriovNetSupport: (i) => i.sriovNetSupport,
  bootMode: (i) => i.bootMode,
  tpmSupport: (i) => i.tpmSupport,
  uefiData: () => undefined,
  lastLaunchedTime: (i) => i.lastLaunchedTime,
  imdsSupport: (i) => i.imdsSupport,
  deregistrationProtection: protectionOf,
};

export const describeImageAttribute: Ec2Action = {
  name: "DescribeImageAttribute",
  mutating: false,
  async run(ctx: Ec2Context): Promise<string> {
    const imageId = ctx.params.require("ImageId");
    const attribute = ctx.params.require("Attribute");
    checkImageId(imageId);
    const known =
      attribute in SCALARS || ["launchPermission", "productCodes", "blockDeviceMapping"].includes(attribute);
    // Names are case-sensitive; "TpmSupport" is EC2's InvalidRequest (aws-cli#7351).
    if (!known) throw new Ec2Error("InvalidRequest", "The request received was invalid.");
    const image = await ownedImage(ctx, imageId);
    let body: string;
    if (attribute === "launchPermission")
      body = set("launchPermission", (await ctx.store.launchPermissions(imageId)).map(launchPermissionXml));
    else if (attribute === "productCodes") body = set("productCodes", []);
    else if (attribute === "blockDeviceMapping")
      // Deprecated: EC2 always refuses it (aws-cli#1083).
      throw new Ec2Error("AuthFailure", "Unauthorized attempt to access restricted resource");
    else body = wrap(attribute, el("value", SCALARS[attribute]!(image, ctx.now)));
    return el("imageId", imageId) + body;
  },
};
