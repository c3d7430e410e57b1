/**
 * The four Allowed AMIs actions (allowed-images.ts says what the settings do). Per account; they
 * take effect at the next request. managedBy is always "account": there are no declarative policies.
 */

import { criteriaXml, parseCriteria } from "./allowed-images.js";
import type { Ec2Action, Ec2Context } from "./context.js";
import { invalidParameterValue } from "./errors.js";
import { el } from "./xml.js";

export const enableAllowedImagesSettings: Ec2Action = {
  name: "EnableAllowedImagesSettings",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const state = ctx.params.require("AllowedImagesSettingsState");
    if (state !== "enabled" && state !== "audit-mode")
      throw invalidParameterValue(`Value (${state}) for parameter AllowedImagesSettingsState is invalid.`);
    await ctx.store.updateAllowedImagesSettings(ctx.caller.accountId, { state }, ctx.audit);
    return el("allowedImagesSettingsState", state);
  },
};

export const disableAllowedImagesSettings: Ec2Action = {
  name: "DisableAllowedImagesSettings",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    await ctx.store.updateAllowedImagesSettings(ctx.caller.accountId, { state: "disabled" }, ctx.audit);
    return el("allowedImagesSettingsState", "disabled");
  },
};

export const getAllowedImagesSettings: Ec2Action = {
  name: "GetAllowedImagesSettings",
  mutating: false,
  async run(ctx: Ec2Context): Promise<string> {
    const settings = await ctx.store.allowedImagesSettings(ctx.caller.accountId);
    return el("state", settings.state) + criteriaXml(settings.criteria) + el("managedBy", "account");
  },
};

/** Replaces the whole list (no ImageCriterion.N: none left); the state stays as it is. */
export const replaceImageCriteriaInAllowedImagesSettings: Ec2Action = {
  name: "ReplaceImageCriteriaInAllowedImagesSettings",
  mutating: true,
  async run(ctx: Ec2Context): Promise<string> {
    const criteria = parseCriteria(ctx.params);
    await ctx.store.updateAllowedImagesSettings(ctx.caller.accountId, { criteria }, ctx.audit);
    return el("return", true);
  },
};
