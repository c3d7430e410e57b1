import { checkImageId, ownedImage } from "./access.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { el } from "./xml.js";

/** Only the owner deregisters (EC2 UG deregister-ami); launch permissions and tags go with it. */
export const deregisterImage: Ec2Action = {
  name: "DeregisterImage",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const imageId = ctx.params.require("ImageId");
    checkImageId(imageId);
    // Snapshots are not stored apart from their image here: there is nothing else to delete.
    ctx.params.bool("DeleteAssociatedSnapshots");
    await ownedImage(ctx, imageId);
    await ctx.store.deleteImage(imageId, ctx.audit);
    return el("return", true);
  },
};
