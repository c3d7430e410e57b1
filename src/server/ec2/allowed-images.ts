/**
 * Allowed AMIs (EC2 UG "Control the discovery and use of AMIs with Allowed AMIs"): an account's
 * criteria decide which other accounts' images it may discover and use. An image is allowed when it
 * matches at least one criterion, and a criterion when it matches every part it gives; the
 * account's own images always are. Enabled, the others are left out of DescribeImages and refused
 * to CopyImage and pull; in audit mode they are only marked (imageAllowed false).
 *
 * amigate adds one criterion EC2 cannot have, consumer-side due diligence: with
 * requirePassingVerdict, another account's image must also have a current verdict that passes —
 * its latest scan done and its report (as re-judged since) clean under this server's gate.
 */
import { compileWildcard, type Matcher } from "../../match/wildcard.js";
import type { ScanResult } from "../../policy/result.js";
import { ACCOUNT_ID } from "../ids.js";
import type {
  AllowedImagesSettings,
  AllowedImagesState,
  Image,
  ImageCriterion,
  ScanRecord,
} from "../store/types.js";
import type { Ec2Context, ShareGate } from "./context.js";
import { Ec2Error, invalidParameterValue } from "./errors.js";
import type { Ec2Params } from "./query.js";
import { el, set, wrap, xmlEscape } from "./xml.js";

/** The providers EC2 names besides account ids (model ImageCriterionRequest doc). */
export const PROVIDER_ALIASES = ["amazon", "aws-marketplace", "aws-backup-vault"] as const;
const DAY_MS = 86_400_000;

/** Limits of ImageCriterionRequest (EC2 API reference). */
const MAX_CRITERIA = 10;
const MAX_PROVIDERS = 200;
const MAX_NAMES = 50;
const MAX_PRODUCT_CODES = 50;
const IMAGE_NAME_PATTERN = /^[A-Za-z0-9()[\] ./\-'@_*?]{1,128}$/;
const PRODUCT_CODE = /^[A-Za-z0-9]{1,25}$/;

/** Compiled name patterns: tenants write them, so no RegExp (match/wildcard.ts: no backtracking). */
const patterns = new Map<string, Matcher>();

/** `*` any run of characters, `?` one, everything else literal (case-sensitive, as image names are). */
export function wildcardMatch(pattern: string, value: string): boolean {
  let m = patterns.get(pattern);
  if (!m) {
    if (patterns.size >= 10_000) patterns.clear();
    m = compileWildcard(pattern);
    patterns.set(pattern, m);
  }
  return m.test(value);
}

function providerMatches(provider: string, image: Image): boolean {
  if (ACCOUNT_ID.test(provider)) return image.ownerId === provider;
  // "none": the account's own images only, which are allowed before any criterion is read.
  return provider !== "none" && image.ownerAlias === provider;
}

export function matchesCriterion(image: Image, c: ImageCriterion, now: Date): boolean {
  if (c.imageProviders && !c.imageProviders.some((p) => providerMatches(p, image))) return false;
  if (c.imageNames && !c.imageNames.some((n) => wildcardMatch(n, image.name))) return false;
  // The catalogue's images carry no Marketplace product codes.
  if (c.marketplaceProductCodes) return false;
  if (
    c.maximumDaysSinceCreated !== undefined &&
    now.getTime() - Date.parse(image.creationDate) > c.maximumDaysSinceCreated * DAY_MS
  )
    return false;
  if (c.maximumDaysSinceDeprecated !== undefined && image.deprecationTime !== undefined) {
    // Deprecated already (0 days: no deprecated image at all), not merely scheduled.
    const since = now.getTime() - Date.parse(image.deprecationTime);
    if (since >= 0 && (c.maximumDaysSinceDeprecated === 0 || since > c.maximumDaysSinceDeprecated * DAY_MS))
      return false;
  }
  return true;
}

/** EC2's criteria alone (no verdict): own images, or any criterion matched. */
export function allowedByCriteria(
  image: Image,
  settings: AllowedImagesSettings,
  callerId: string,
  now: Date,
): boolean {
  return image.ownerId === callerId || settings.criteria.some((c) => matchesCriterion(image, c, now));
}

/** Verdicts by scan (id, state, last re-judgement): a report is parsed and judged once per gate. */
const judged = new WeakMap<ShareGate, Map<string, boolean>>();
const MAX_JUDGED = 50_000;

/** Does the image's latest scan pass the gate now? No scan, or one not done, does not. */
export function verdictPasses(gate: ShareGate, scan: ScanRecord | undefined): boolean {
  if (scan?.status !== "done" || scan.report === undefined) return false;
  let cache = judged.get(gate);
  if (!cache) {
    cache = new Map();
    judged.set(gate, cache);
  }
  const key = `${scan.scanId} ${scan.judgedAt ?? ""}`;
  let pass = cache.get(key);
  if (pass === undefined) {
    pass = gate.reportFailures(JSON.parse(scan.report) as ScanResult).length === 0;
    if (cache.size >= MAX_JUDGED) cache.clear();
    cache.set(key, pass);
  }
  return pass;
}

/** The caller's Allowed AMIs for one request: undefined while disabled. */
export interface AllowedImages {
  state: Exclude<AllowedImagesState, "disabled">;
  /** imageAllowed for each image, by id. */
  judge(images: readonly Image[]): Promise<Map<string, boolean>>;
}

/** What judging needs of a request (an EC2 call, or one of our endpoints). */
export type AllowedImagesContext = Pick<Ec2Context, "caller" | "store" | "now" | "gate">;

export async function allowedImagesOf(ctx: AllowedImagesContext): Promise<AllowedImages | undefined> {
  const callerId = ctx.caller.accountId;
  const settings = await ctx.store.allowedImagesSettings(callerId);
  if (settings.state === "disabled") return undefined;
  return {
    state: settings.state,
    async judge(images) {
      const out = new Map<string, boolean>();
      const needVerdict: string[] = [];
      for (const i of images) {
        const ok = allowedByCriteria(i, settings, callerId, ctx.now);
        out.set(i.imageId, ok);
        if (ok && settings.requirePassingVerdict && i.ownerId !== callerId) needVerdict.push(i.imageId);
      }
      if (needVerdict.length > 0) {
        const scans = await ctx.store.latestScans(needVerdict);
        for (const id of needVerdict) out.set(id, verdictPasses(ctx.gate, scans.get(id)));
      }
      return out;
    },
  };
}

/** CopyImage and pull: an image the settings do not allow cannot be used while they are enabled. */
export async function checkAllowed(ctx: AllowedImagesContext, image: Image): Promise<void> {
  const allowed = await allowedImagesOf(ctx);
  if (allowed?.state !== "enabled") return;
  if (!(await allowed.judge([image])).get(image.imageId)) throw notAllowed(image.imageId);
}

export const notAllowed = (imageId: string): Ec2Error =>
  new Ec2Error(
    "OperationNotPermitted",
    `The image ${imageId} is not allowed by this account's Allowed AMIs settings (GetAllowedImagesSettings).`,
  );

function days(p: Ec2Params, key: string): number | undefined {
  const v = p.int(key);
  if (v !== undefined && v < 0) throw invalidParameterValue(`Value (${v}) for parameter ${key} is invalid.`);
  return v;
}

/** ImageCriterion.N as ReplaceImageCriteriaInAllowedImagesSettings sends it, validated whole. */
export function parseCriteria(params: Ec2Params): ImageCriterion[] {
  const structs = params.structs("ImageCriterion");
  if (structs.length > MAX_CRITERIA)
    throw invalidParameterValue(`At most ${MAX_CRITERIA} image criteria can be specified.`);
  return structs.map((p) => {
    const c: ImageCriterion = {};
    const providers = p.list("ImageProvider");
    if (providers.length > 0) {
      if (providers.length > MAX_PROVIDERS)
        throw invalidParameterValue(`At most ${MAX_PROVIDERS} image providers can be specified.`);
      for (const v of providers)
        if (v !== "none" && !ACCOUNT_ID.test(v) && !(PROVIDER_ALIASES as readonly string[]).includes(v))
          throw invalidParameterValue(`Invalid image provider: ${v}`);
      if (providers.includes("none") && providers.length > 1)
        throw invalidParameterValue(
          "When the image provider none is specified, no other values can be specified.",
        );
      c.imageProviders = providers;
    }
    const codes = p.list("MarketplaceProductCode");
    if (codes.length > 0) {
      if (codes.length > MAX_PRODUCT_CODES)
        throw invalidParameterValue(
          `At most ${MAX_PRODUCT_CODES} Marketplace product codes can be specified.`,
        );
      for (const v of codes)
        if (!PRODUCT_CODE.test(v)) throw invalidParameterValue(`Invalid product code: ${v}`);
      c.marketplaceProductCodes = codes;
    }
    const names = p.list("ImageName");
    if (names.length > 0) {
      if (names.length > MAX_NAMES)
        throw invalidParameterValue(`At most ${MAX_NAMES} image names can be specified.`);
      for (const v of names)
        if (!IMAGE_NAME_PATTERN.test(v) || (v.includes("?") && v.length < 3))
          throw invalidParameterValue(`Invalid image name: ${v}`);
      c.imageNames = names;
    }
    const deprecated = days(p, "DeprecationTimeCondition.MaximumDaysSinceDeprecated");
    if (deprecated !== undefined) c.maximumDaysSinceDeprecated = deprecated;
    const created = days(p, "CreationDateCondition.MaximumDaysSinceCreated");
    if (created !== undefined) c.maximumDaysSinceCreated = created;
    if (Object.keys(c).length === 0)
      throw invalidParameterValue(
        "An image criterion needs at least one of ImageProviders, MarketplaceProductCodes, ImageNames, DeprecationTimeCondition, CreationDateCondition.",
      );
    return c;
  });
}

/** GetAllowedImagesSettings' imageCriterionSet (member names from the model's ImageCriterion). */
export function criteriaXml(criteria: readonly ImageCriterion[]): string {
  const values = (name: string, list: string[] | undefined) => (list ? set(name, list.map(xmlEscape)) : "");
  return set(
    "imageCriterionSet",
    criteria.map(
      (c) =>
        values("imageProviderSet", c.imageProviders) +
        values("marketplaceProductCodeSet", c.marketplaceProductCodes) +
        values("imageNameSet", c.imageNames) +
        (c.maximumDaysSinceDeprecated !== undefined
          ? wrap("deprecationTimeCondition", el("maximumDaysSinceDeprecated", c.maximumDaysSinceDeprecated))
          : "") +
        (c.maximumDaysSinceCreated !== undefined
          ? wrap("creationDateCondition", el("maximumDaysSinceCreated", c.maximumDaysSinceCreated))
          : ""),
    ),
  );
}
