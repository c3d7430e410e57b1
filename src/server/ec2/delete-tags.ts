import type { Ec2Action, Ec2Context } from "./context.js";
import { isReservedTag, parseTags, resourceIds, taggableImages } from "./tags.js";
import { el } from "./xml.js";

export const deleteTags: Ec2Action = {
  name: "DeleteTags",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const requested = resourceIds(ctx, "ResourceId");
    const tags = parseTags(ctx, "Tag", false);
    const ids = await taggableImages(ctx, requested);
    if (tags.length > 0) await ctx.store.deleteTags(ctx.caller.accountId, ids, tags, ctx.audit);
    else {
      // Every tag of the resources but the catalogue's own (amigate:verdict stays).
      const own = await ctx.store.tags(ctx.caller.accountId, ids);
      for (const id of ids) {
        const keys = (own.get(id) ?? []).filter((t) => !isReservedTag(t.key)).map((t) => ({ key: t.key }));
        if (keys.length > 0) await ctx.store.deleteTags(ctx.caller.accountId, [id], keys, ctx.audit);
      }
    }
    return el("return", true);
  },
};
