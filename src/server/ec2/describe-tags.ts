import type { Ec2Action, Ec2Context } from "./context.js";
import { Ec2Error, invalidParameterValue } from "./errors.js";
import { parseFilters, wildcard } from "./filters.js";
import { el, set } from "./xml.js";

const FIELDS: Record<string, (t: { resourceId: string; key: string; value: string }) => string> = {
  key: (t) => t.key,
  value: (t) => t.value,
  "resource-id": (t) => t.resourceId,
  "resource-type": () => "image",
};

export const describeTags: Ec2Action = {
  name: "DescribeTags",
  mutating: false,
  async run(ctx: Ec2Context): Promise<string> {
    const filters = parseFilters(ctx.params).map((f) => {
      const tagKey = f.name.startsWith("tag:") ? f.name.slice(4) : undefined;
      const get =
        tagKey !== undefined
          ? (t: { key: string; value: string }) => (t.key === tagKey ? t.value : undefined)
          : FIELDS[f.name];
      if (!get) throw invalidParameterValue(`The filter '${f.name}' is invalid`);
      return { get, patterns: f.values.map(wildcard) };
    });
    const maxResults = ctx.params.int("MaxResults");
    if (maxResults !== undefined && (maxResults < 5 || maxResults > 1000))
      throw invalidParameterValue(
        `Value ( ${maxResults} ) for parameter maxResults is invalid. Expect between 5 and 1000.`,
      );
    const token = ctx.params.get("NextToken");
    const start = token ? Number(Buffer.from(token, "base64url").toString("utf8")) : 0;
    if (!Number.isInteger(start) || start < 0)
      throw new Ec2Error("InvalidParameterValue", `Invalid NextToken.`);
    let tags = (await ctx.store.accountTags(ctx.caller.accountId)).filter((t) =>
      filters.every(({ get, patterns }) => {
        const v = get(t);
        return v !== undefined && patterns.some((p) => p.test(v));
      }),
    );
    // Tags on images the caller can no longer see (unshared, deregistered) are not listed.
    const visible = new Set(
      (
        await ctx.store.queryImages({
          callerId: ctx.caller.accountId,
          imageIds: [...new Set(tags.map((t) => t.resourceId))],
        })
      ).map((i) => i.imageId),
    );
    tags = tags.filter((t) => visible.has(t.resourceId));
    tags = tags.slice(start);
    let next: string | undefined;
    if (maxResults !== undefined && tags.length > maxResults) {
      const offset = start + maxResults;
      next = Buffer.from(String(offset)).toString("base64url");
      tags = tags.slice(0, maxResults);
    }
    return (
      set(
        "tagSet",
        tags.map(
          (t) =>
            el("resourceId", t.resourceId) +
            el("resourceType", "image") +
            el("key", t.key) +
            el("value", t.value),
        ),
      ) + el("nextToken", next)
    );
  },
};
