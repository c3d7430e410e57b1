/**
 * amigate's own Allowed AMIs criterion, which EC2's API has no field for (ec2/allowed-images.ts),
 * SigV4-signed like our other endpoints; each account sets its own:
 *   GET /amigate/allowed-images                                  the caller's Allowed AMIs settings
 *   PUT /amigate/allowed-images  {"requirePassingVerdict": bool}  other accounts' images must also
 *                                                                 have a current passing verdict
 * The EC2 actions (EnableAllowedImagesSettings, ReplaceImageCriteriaInAllowedImagesSettings, …)
 * set the rest.
 */
import { invalidParameterValue } from "./ec2/errors.js";
import type { AllowedImagesSettings } from "./store/types.js";
import type { AppRequest, AppResponse, RequestContext } from "./types.js";

const PATH = "/amigate/allowed-images";

const json = (settings: AllowedImagesSettings): AppResponse => ({
  status: 200,
  headers: { "content-type": "application/json" },
  body: `${JSON.stringify({ ...settings, managedBy: "account" })}\n`,
});

function changeOf(req: AppRequest): Pick<AllowedImagesSettings, "requirePassingVerdict"> {
  const expected = () => invalidParameterValue('Expected {"requirePassingVerdict": true|false}.');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "");
  } catch {
    throw expected();
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw expected();
  const { requirePassingVerdict, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw invalidParameterValue(`Unknown field ${JSON.stringify(unknown[0])}.`);
  if (typeof requirePassingVerdict !== "boolean") throw expected();
  return { requirePassingVerdict };
}

export async function allowedImagesRoutes(
  ctx: RequestContext,
  req: AppRequest,
  url: Pick<URL, "pathname">,
): Promise<AppResponse | undefined> {
  if (url.pathname !== PATH) return undefined;
  const { store } = ctx.deps;
  const accountId = ctx.caller.accountId;
  if (req.method === "GET") return json(await store.allowedImagesSettings(accountId));
  if (req.method !== "PUT") throw invalidParameterValue(`${req.method} ${PATH}: GET or PUT only.`);
  const change = changeOf(req);
  const audit = ctx.record("PutAllowedImagesSettings", undefined, JSON.stringify(change), "ok");
  await store.updateAllowedImagesSettings(accountId, change, audit);
  await ctx.settle(audit);
  return json(await store.allowedImagesSettings(accountId));
}
