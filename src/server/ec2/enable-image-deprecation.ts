import { checkImageId, ownedImage } from "./access.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { deprecateAt, publicDeprecationLimit } from "./deprecation.js";
import { invalidParameterValue } from "./errors.js";
import { el } from "./xml.js";

/**
 * Sets the time the image is deprecated from (owner only): from then on DescribeImages leaves it out
 * of other accounts' listings unless they ask (IncludeDeprecated) or give its id.
 */
export const enableImageDeprecation: Ec2Action = {
  name: "EnableImageDeprecation",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const imageId = ctx.params.require("ImageId");
    const value = ctx.params.require("DeprecateAt");
    checkImageId(imageId);
    const at = deprecateAt(value, ctx.now);
    const image = await ownedImage(ctx, imageId);
    const limit = publicDeprecationLimit(image);
    if (image.isPublic && at > limit)
      throw invalidParameterValue(
        `The deprecation time of a public image can be at most 2 years after its creation (${limit.toISOString()}).`,
      );
    await ctx.store.updateImage(imageId, { deprecationTime: at.toISOString() }, ctx.audit);
    return el("return", true);
  },
};
