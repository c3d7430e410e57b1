/**
 * Re-judging on request (admin accounts only), SigV4-signed like our other endpoints:
 *   POST /amigate/rejudge   {"asOf"?: "YYYY-MM-DD", "imageIds"?: [...]}   queue a run (rejudge.ts)
 *   GET  /amigate/rejudge                                                   is one running; the last run
 * The answer names the vulnerability database the server judges with, so `amigate db update
 * --rejudge` can tell when it updated another file than the one the server reads.
 */
import { Ec2Error, invalidParameterValue } from "./ec2/errors.js";
import { IMAGE_ID } from "./ids.js";
import type { RejudgeRequest } from "./rejudge.js";
import type { AppRequest, AppResponse, RequestContext } from "./types.js";

/** Images one request may name; more is a run over every image. */
export const MAX_REJUDGE_IMAGE_IDS = 1000;

const json = (value: unknown): AppResponse => ({
  status: 200,
  headers: { "content-type": "application/json" },
  body: `${JSON.stringify(value)}\n`,
});

function requestOf(ctx: RequestContext, req: AppRequest): RejudgeRequest {
  let body: unknown = {};
  if (Buffer.isBuffer(req.body) && req.body.length > 0) {
    try {
      body = JSON.parse(req.body.toString("utf8"));
    } catch (e) {
      throw invalidParameterValue(`The request body is not JSON: ${(e as Error).message}`);
    }
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw invalidParameterValue('Expected {"asOf"?: "YYYY-MM-DD", "imageIds"?: ["ami-…"]}.');
  const { asOf, imageIds, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw invalidParameterValue(`Unknown field ${JSON.stringify(unknown[0])}.`);
  let date: Date | undefined;
  if (asOf !== undefined) {
    const bad = () => invalidParameterValue(`asOf ${JSON.stringify(asOf)}: expected a date as YYYY-MM-DD.`);
    if (typeof asOf !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw bad();
    date = new Date(`${asOf}T00:00:00Z`);
    if (Number.isNaN(date.getTime()) || !date.toISOString().startsWith(asOf)) throw bad();
  }
  if (imageIds !== undefined) {
    if (!Array.isArray(imageIds) || !imageIds.every((id) => typeof id === "string" && IMAGE_ID.test(id)))
      throw invalidParameterValue("imageIds: expected a list of image ids (ami-…).");
    if (imageIds.length === 0 || imageIds.length > MAX_REJUDGE_IMAGE_IDS)
      throw invalidParameterValue(
        `imageIds: from 1 to ${MAX_REJUDGE_IMAGE_IDS} ids (leave it out for every image).`,
      );
  }
  return {
    ...(date ? { asOf: date.toISOString() } : {}),
    ...(imageIds !== undefined ? { imageIds: [...new Set(imageIds as string[])] } : {}),
    trigger: {
      accountId: ctx.caller.accountId,
      accessKeyId: ctx.caller.accessKeyId,
      sourceIp: ctx.sourceIp,
      reason: "api",
    },
  };
}

/** The /amigate/rejudge routes, or undefined for any other path. */
export async function rejudgeRoutes(
  ctx: RequestContext,
  req: AppRequest,
  url: Pick<URL, "pathname">,
): Promise<AppResponse | undefined> {
  if (url.pathname !== "/amigate/rejudge") return undefined;
  if (req.method !== "GET" && req.method !== "POST")
    throw new Ec2Error("InvalidAction", `No route for ${req.method} ${url.pathname}`, 404);
  const scheduler = ctx.deps.rejudge;
  if (!ctx.caller.admin) {
    if (req.method === "POST") await ctx.audit("Rejudge", undefined, "{}", "UnauthorizedOperation");
    throw new Ec2Error("UnauthorizedOperation", "Only an admin account may re-judge the catalogue.", 403);
  }
  if (!scheduler) throw new Ec2Error("Unsupported", "This catalogue does not re-judge.", 400);
  if (req.method === "GET") return json(await scheduler.status());
  const request = requestOf(ctx, req);
  const { asOf } = await scheduler.request(request);
  await ctx.audit(
    "Rejudge",
    undefined,
    JSON.stringify({ asOf, images: request.imageIds?.length ?? "all" }),
    "ok",
  );
  return json({ queued: true, asOf, ...(await scheduler.status()) });
}
