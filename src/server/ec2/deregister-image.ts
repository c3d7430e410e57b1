import { checkImageId, ownedImage } from "./access.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { Ec2Error } from "./errors.js";
import { protectionOf } from "./protection.js";
import { el } from "./xml.js";

/**
 * Only the owner deregisters (EC2 UG deregister-ami), and not while deregistration protection (or
 * its cooldown) is on; launch permissions and tags go with it.
 */
export const deregisterImage: Ec2Action = {
  name: "DeregisterImage",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const imageId = ctx.params.require("ImageId");
    checkImageId(imageId);
    // Snapshots are not stored apart from their image here: there is nothing else to delete.
    ctx.params.bool("DeleteAssociatedSnapshots");
    const image = await ownedImage(ctx, imageId);
    const protection = protectionOf(image, ctx.now);
    if (protection !== "disabled")
      throw new Ec2Error(
        "OperationNotPermitted",
        protection.startsWith("disabled-until ")
          ? `The image ${imageId} is protected from deregistration until ${protection.slice(15)} (the cooldown of its protection).`
          : `The image ${imageId} has deregistration protection (${protection}); call DisableImageDeregistrationProtection first.`,
      );
    await ctx.store.deleteImage(imageId, ctx.audit);
    return el("return", true);
  },
};
