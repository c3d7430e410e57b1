import type { Image } from "../store/types.js";
import { checkImageId, ownedImage } from "./access.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { PROTECTION_COOLDOWN_MS, protectionOf } from "./protection.js";
import { el } from "./xml.js";

/**
 * Lifts the protection (owner only); one enabled with a cooldown stays in force 24 hours more.
 * Answers the new state: "disabled" (the AWS CLI's example), or "disabled-until <time>".
 */
export const disableImageDeregistrationProtection: Ec2Action = {
  name: "DisableImageDeregistrationProtection",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const imageId = ctx.params.require("ImageId");
    checkImageId(imageId);
    const image = await ownedImage(ctx, imageId);
    let after: Image = image;
    if (image.deregistrationProtection !== undefined) {
      const patch: Partial<Image> = { deregistrationProtection: undefined };
      if (image.deregistrationProtection === "enabled-with-cooldown")
        patch.deregistrationProtectedUntil = new Date(
          ctx.now.getTime() + PROTECTION_COOLDOWN_MS,
        ).toISOString();
      await ctx.store.updateImage(imageId, patch, ctx.audit);
      after = { ...image, ...patch };
    }
    return el("return", protectionOf(after, ctx.now));
  },
};
