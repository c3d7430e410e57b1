import type { Tag } from "../store/types.js";
import { checkImageId, visibleImage } from "./access.js";
import type { Ec2Context } from "./context.js";
import { Ec2Error, invalidParameterValue } from "./errors.js";

/** The prefix of the tags the catalogue sets (amigate:verdict): reserved like EC2's aws:. */
export const RESERVED_PREFIX = "amigate:";

export const isReservedTag = (key: string): boolean => key.toLowerCase().startsWith(RESERVED_PREFIX);

/** 50 user tags per resource (model CreateTags doc). */
export const MAX_TAGS = 50;

/**
 * ResourceId.N, checked as parameters only (present, image ids, well formed): which of them the
 * caller can see is a state check, made after every parameter is validated (taggableImages).
 */
export function resourceIds(ctx: Ec2Context, key: string): string[] {
  const ids = ctx.params.list(key);
  if (ids.length === 0)
    throw new Ec2Error("MissingParameter", "The request must contain the parameter resourceIdSet");
  for (const id of ids) {
    if (!id.startsWith("ami-")) throw new Ec2Error("InvalidID", `The ID '${id}' is not valid`);
    checkImageId(id);
  }
  return ids;
}

/** Images the caller can see; other resource types are not in this catalogue. */
export async function taggableImages(ctx: Ec2Context, ids: string[]): Promise<string[]> {
  for (const id of ids) await visibleImage(ctx, id);
  return ids;
}

export function parseTags(
  ctx: Ec2Context,
  key: string,
  valueRequired: boolean,
): Array<Tag | { key: string }> {
  return ctx.params.structs(key).map((t) => {
    const k = t.get("Key");
    if (k === undefined || k === "") throw invalidParameterValue("Tag keys must not be empty.");
    // The aws: prefix is reserved for AWS (model CreateTags doc).
    if (valueRequired && k.toLowerCase().startsWith("aws:"))
      throw invalidParameterValue("Tag keys starting with 'aws:' are reserved for internal use");
    // amigate: tags are set by the catalogue itself (amigate:verdict, rejudge.ts): not by callers, not removed by them.
    if (isReservedTag(k))
      throw invalidParameterValue(`Tag keys starting with '${RESERVED_PREFIX}' are set by the catalogue`);
    const v = t.get("Value");
    return v === undefined ? (valueRequired ? { key: k, value: "" } : { key: k }) : { key: k, value: v };
  });
}
