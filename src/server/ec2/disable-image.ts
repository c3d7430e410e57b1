import { checkImageId, ownedImage } from "./access.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { Ec2Error } from "./errors.js";
import { el } from "./xml.js";

/**
 * Sets the state to disabled and removes every launch permission (model DisableImage doc): the
 * image is private, no other account sees or pulls it, it cannot be shared until EnableImage, and
 * DescribeImages leaves it out unless IncludeDisabled. Owner only; disabling twice is no change.
 */
export const disableImage: Ec2Action = {
  name: "DisableImage",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const imageId = ctx.params.require("ImageId");
    checkImageId(imageId);
    const image = await ownedImage(ctx, imageId);
    // Its scan would make it available when it ends (scans.ts): a pushed image is disabled once scanned.
    if (image.state === "pending")
      throw new Ec2Error(
        "IncorrectState",
        `The image ${imageId} is pending (its scan is running); it can be disabled once it is available.`,
      );
    if (image.state !== "disabled") await ctx.store.disableImage(imageId, ctx.audit);
    return el("return", true);
  },
};
