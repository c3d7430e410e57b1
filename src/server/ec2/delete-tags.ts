import type { Ec2Action, Ec2Context } from "./context.js";
import { parseTags, resourceIds, taggableImages } from "./tags.js";
import { el } from "./xml.js";

export const deleteTags: Ec2Action = {
  name: "DeleteTags",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const requested = resourceIds(ctx, "ResourceId");
    const tags = parseTags(ctx, "Tag", false);
    const ids = await taggableImages(ctx, requested);
    await ctx.store.deleteTags(ctx.caller.accountId, ids, tags, ctx.audit);
    return el("return", true);
  },
};
