import { checkImageId, ownedImage } from "./access.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { el } from "./xml.js";

/**
 * Re-enables a disabled image: available again and shareable; the accounts that lost access do not
 * get it back (model EnableImage doc). Owner only; enabling an enabled image is no change.
 */
export const enableImage: Ec2Action = {
  name: "EnableImage",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const imageId = ctx.params.require("ImageId");
    checkImageId(imageId);
    const image = await ownedImage(ctx, imageId);
    if (image.state === "disabled") await ctx.store.updateImage(imageId, { state: "available" }, ctx.audit);
    return el("return", true);
  },
};
