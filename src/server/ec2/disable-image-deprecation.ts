import { checkImageId, ownedImage } from "./access.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { Ec2Error } from "./errors.js";
import { el } from "./xml.js";

/** Cancels the image's deprecation (owner only); a public image keeps its (EC2 UG "Deprecate an AMI"). */
export const disableImageDeprecation: Ec2Action = {
  name: "DisableImageDeprecation",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const imageId = ctx.params.require("ImageId");
    checkImageId(imageId);
    const image = await ownedImage(ctx, imageId);
    if (image.isPublic && image.deprecationTime !== undefined)
      throw new Ec2Error(
        "OperationNotPermitted",
        `The deprecation of the public image ${imageId} cannot be cancelled: make the image private first.`,
      );
    if (image.deprecationTime !== undefined)
      await ctx.store.updateImage(imageId, { deprecationTime: undefined }, ctx.audit);
    return el("return", true);
  },
};
