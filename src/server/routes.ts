/**
 * Our own signed endpoints (EC2 has no upload API), SigV4-signed like the EC2 calls (service "ec2"):
 *   PUT  /amigate/blobs                   body = image bytes, x-amz-content-sha256 = their SHA-256
 *                                         (within --max-upload and the account's --account-quota)
 *   /amigate/uploads[/…]                  resumable uploads in parts (upload-routes.ts)
 *   GET  /amigate/images/{id}/blob        the pushed bytes, verified against the recorded digest
 *   GET  /amigate/images/{id}/scan[.json|.html]  the latest scan report, its statement clauses
 *                                         judged from the stored listing, answers and attributes
 * docs/server.md describes them; errors are EC2 errors.
 */
import { Readable } from "node:stream";
import type { ScanResult } from "../policy/result.js";
import { renderHtml } from "../report/html.js";
import { storeBlob } from "./blob-intake.js";
import { visibleTo } from "./ec2/access.js";
import { checkAllowed } from "./ec2/allowed-images.js";
import type { Caller } from "./ec2/context.js";
import { Ec2Error, malformedImageId, notFound } from "./ec2/errors.js";
import { IMAGE_ID } from "./ids.js";
import { servedReport } from "./listing-routes.js";
import type { Image, Store } from "./store/types.js";
import type { AppRequest, AppResponse, RequestContext } from "./types.js";
import type { AdmittedUpload } from "./upload-limits.js";
import { heldBytes, uploadRoutes } from "./upload-routes.js";

const JSON_TYPE = { "content-type": "application/json" };

async function visible(store: Store, caller: Caller, imageId: string): Promise<Image> {
  if (!IMAGE_ID.test(imageId)) throw malformedImageId(imageId);
  const image = await store.image(imageId);
  if (!image || !(await visibleTo(store, image, caller.accountId, caller))) throw notFound([imageId]);
  return image;
}

/**
 * The report's verdict under this server's gate (its severity and whether vulnerability checks
 * must have run), current since the last re-judgement: what the amigate:verdict tag marks.
 */
function verdictOf(
  ctx: RequestContext,
  report: string,
): { verdict: "pass" | "fail"; verdictReasons: string[] } {
  const reasons = ctx.deps.gate.reportFailures(JSON.parse(report) as ScanResult);
  return { verdict: reasons.length === 0 ? "pass" : "fail", verdictReasons: reasons };
}

export async function blobRoutes(
  ctx: RequestContext,
  req: AppRequest,
  url: Pick<URL, "pathname">,
): Promise<AppResponse> {
  const { store, blobs } = ctx.deps;
  if (url.pathname === "/amigate/uploads" || url.pathname.startsWith("/amigate/uploads/"))
    return uploadRoutes(ctx, req, url);
  if (url.pathname === "/amigate/blobs" && req.method === "PUT") {
    const expected = req.headers["x-amz-content-sha256"];
    const length = req.headers["content-length"];
    const declared = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
    let upload: AdmittedUpload;
    try {
      // Size and quota (upload-limits.ts): refused from Content-Length before a byte is read, else
      // when the count passes a limit; the temp file is then deleted. Parts of the account's open
      // upload sessions count as stored.
      upload = await ctx.uploads.admit(
        ctx.caller.accountId,
        await heldBytes(ctx),
        declared,
        Buffer.isBuffer(req.body) ? Readable.from([req.body]) : req.body,
      );
    } catch (e) {
      if (e instanceof Ec2Error && e.httpStatus === 413)
        await ctx.audit("PutBlob", undefined, JSON.stringify({ declared: declared ?? null }), e.code);
      throw e;
    }
    let stored: Awaited<ReturnType<typeof storeBlob>>;
    try {
      stored = await storeBlob(ctx, "PutBlob", upload.body, expected, { declared: declared ?? null });
    } finally {
      // Recorded (or refused): the blob's bytes now count as stored, not reserved.
      await upload.release();
    }
    return {
      status: 200,
      headers: JSON_TYPE,
      body: JSON.stringify({
        imageLocation: `amigate:blob/${stored.sha256}`,
        sha256: stored.sha256,
        size: stored.size,
      }),
    };
  }
  const m = /^\/amigate\/images\/([^/]+)\/(blob|scan|scan\.json|scan\.html)$/.exec(url.pathname);
  if (!m || req.method !== "GET")
    throw new Ec2Error("InvalidAction", `No route for ${req.method} ${url.pathname}`, 404);
  const image = await visible(store, ctx.caller, m[1]!);
  if (m[2] === "blob") {
    // A pull is a launch: Allowed AMIs enabled refuses what the caller's criteria do not allow.
    const { gate } = ctx.deps;
    await checkAllowed({ caller: ctx.caller, store, gate, now: ctx.deps.now?.() ?? new Date() }, image);
    if (!image.blob)
      throw new Ec2Error("InvalidAMIID.Unavailable", `The image ${image.imageId} has no pushed disk.`);
    const stream = await blobs.open(image.blob.sha256);
    // PRM-7: who pulled (launched) what, when and from where; committed with lastLaunchedTime.
    const audit = ctx.record("PullImage", image.imageId, JSON.stringify({ sha256: image.blob.sha256 }), "ok");
    await store.updateImage(image.imageId, { lastLaunchedTime: new Date().toISOString() }, audit);
    await ctx.settle(audit);
    return {
      status: 200,
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(image.blob.size),
        "x-amigate-sha256": image.blob.sha256,
      },
      body: stream,
    };
  }
  const scan = await store.latestScan(image.imageId);
  if (!scan)
    throw new Ec2Error("InvalidScan.NotFound", `The image ${image.imageId} has not been scanned.`, 404);
  if (m[2] === "scan.html") {
    if (scan.status !== "done" || !scan.report)
      throw new Ec2Error("InvalidScan.NotReady", `The scan of ${image.imageId} is ${scan.status}.`, 409);
    return {
      status: 200,
      headers: { "content-type": "text/html;charset=utf-8" },
      body: renderHtml(await servedReport(ctx, image, scan.report)),
    };
  }
  return {
    status: 200,
    headers: JSON_TYPE,
    body: JSON.stringify({
      imageId: image.imageId,
      scanId: scan.scanId,
      status: scan.status,
      startedAt: scan.startedAt,
      ...(scan.finishedAt ? { finishedAt: scan.finishedAt } : {}),
      ...(scan.error ? { error: scan.error } : {}),
      ...(scan.judgedAt ? { judgedAt: scan.judgedAt } : {}),
      ...(scan.report ? verdictOf(ctx, scan.report) : {}),
      ...(scan.report ? { report: await servedReport(ctx, image, scan.report) } : {}),
    }),
  };
}
