import type { Ec2Action, Ec2Context } from "./context.js";
import { parseTags, taggableImages } from "./tags.js";
import { el } from "./xml.js";

export const deleteTags: Ec2Action = {
  name: "DeleteTags",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const ids = await taggableImages(ctx, "ResourceId");
    await ctx.store.deleteTags(ctx.caller.accountId, ids, parseTags(ctx, "Tag", false), ctx.audit);
    return el("return", true);
  },
};
