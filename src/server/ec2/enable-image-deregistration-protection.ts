import { checkImageId, ownedImage } from "./access.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { el } from "./xml.js";

/**
 * Protects the image from DeregisterImage (owner only). WithCooldown: disabling the protection
 * later leaves it in force for 24 more hours. Answers the new state, as the AWS CLI's example shows
 * ("Return": "enabled-without-cooldown").
 */
export const enableImageDeregistrationProtection: Ec2Action = {
  name: "EnableImageDeregistrationProtection",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const imageId = ctx.params.require("ImageId");
    checkImageId(imageId);
    const withCooldown = ctx.params.bool("WithCooldown") ?? false;
    await ownedImage(ctx, imageId);
    const protection = withCooldown ? "enabled-with-cooldown" : "enabled-without-cooldown";
    await ctx.store.updateImage(
      imageId,
      { deregistrationProtection: protection, deregistrationProtectedUntil: undefined },
      ctx.audit,
    );
    return el("return", protection);
  },
};
