import { checkImageId, ownedImage } from "./access.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { invalidParameterValue } from "./errors.js";
import { el } from "./xml.js";

/** Removes every public and explicit permission; the owner keeps its implicit rights (PRM-6). */
export const resetImageAttribute: Ec2Action = {
  name: "ResetImageAttribute",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const imageId = ctx.params.require("ImageId");
    const attribute = ctx.params.require("Attribute");
    checkImageId(imageId);
    // The model's ResetImageAttributeName enum has only launchPermission.
    if (attribute !== "launchPermission")
      throw invalidParameterValue(
        `Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`,
      );
    await ownedImage(ctx, imageId);
    await ctx.store.resetLaunchPermissions(imageId, ctx.audit);
    return el("return", true);
  },
};
