import type { Ec2Action, Ec2Context } from "./context.js";
import { invalidParameterValue } from "./errors.js";
import { el } from "./xml.js";

/** Per-account switch; existing public images stay public (model doc). Takes effect at once here. */
export const enableImageBlockPublicAccess: Ec2Action = {
  name: "EnableImageBlockPublicAccess",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const state = ctx.params.require("ImageBlockPublicAccessState");
    if (state !== "block-new-sharing")
      throw invalidParameterValue(`Value (${state}) for parameter ImageBlockPublicAccessState is invalid.`);
    await ctx.store.setBlockPublicAccess(ctx.caller.accountId, true, ctx.audit);
    return el("imageBlockPublicAccessState", "block-new-sharing");
  },
};

export const disableImageBlockPublicAccess: Ec2Action = {
  name: "DisableImageBlockPublicAccess",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    await ctx.store.setBlockPublicAccess(ctx.caller.accountId, false, ctx.audit);
    return el("imageBlockPublicAccessState", "unblocked");
  },
};

export const getImageBlockPublicAccessState: Ec2Action = {
  name: "GetImageBlockPublicAccessState",
  mutating: false,
  async run(ctx: Ec2Context): Promise<string> {
    const blocked = await ctx.store.blockPublicAccess(ctx.caller.accountId);
    return (
      el("imageBlockPublicAccessState", blocked ? "block-new-sharing" : "unblocked") +
      el("managedBy", "account")
    );
  },
};
