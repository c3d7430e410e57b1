import type { Tag } from "../store/types.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { Ec2Error } from "./errors.js";
import { MAX_TAGS, parseTags, resourceIds, taggableImages } from "./tags.js";
import { el } from "./xml.js";

/** Tags are the caller's own: the owner's tags are never shown to accounts the image is shared with. */
export const createTags: Ec2Action = {
  name: "CreateTags",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const requested = resourceIds(ctx, "ResourceId");
    const tags = parseTags(ctx, "Tag", true) as Tag[];
    const ids = await taggableImages(ctx, requested);
    const existing = await ctx.store.tags(ctx.caller.accountId, ids);
    for (const id of ids) {
      const keys = new Set((existing.get(id) ?? []).map((t) => t.key));
      for (const t of tags) keys.add(t.key);
      if (keys.size > MAX_TAGS)
        throw new Ec2Error("TagLimitExceeded", `The maximum number of Tags for a resource has been reached.`);
    }
    await ctx.store.createTags(ctx.caller.accountId, ids, tags, ctx.audit);
    return el("return", true);
  },
};
