/**
 * Upload sessions over HTTP (docs/server.md "Upload sessions"), SigV4-signed like every /amigate/
 * call; a part's signed x-amz-content-sha256 is that part's SHA-256:
 *   POST   /amigate/uploads                  {"size","sha256","partSize"} → the session
 *   GET    /amigate/uploads                  the caller's open sessions
 *   GET    /amigate/uploads/{id}             the session and the parts received
 *   PUT    /amigate/uploads/{id}/parts/{n}   part n (1-based), exactly its declared length
 *   POST   /amigate/uploads/{id}/complete    200 {"imageLocation","sha256","size"}, or 202 while assembling
 *   DELETE /amigate/uploads/{id}             abort: the parts are deleted
 * Sizes and quotas are upload-limits.ts': the declared size against --max-upload, and the
 * account's stored blobs, parts held and bytes in flight against --account-quota.
 */
import { Readable } from "node:stream";
import { storeBlob } from "./blob-intake.js";
import { Ec2Error } from "./ec2/errors.js";
import type { AppRequest, AppResponse, RequestContext } from "./types.js";
import { type AdmittedUpload, overQuota, tooLarge } from "./upload-limits.js";
import type { UploadResult, UploadSession, UploadSessions } from "./upload-sessions.js";

const JSON_TYPE = { "content-type": "application/json" };
/** How long a complete waits for the assembly before answering 202 (the client asks again). */
const COMPLETE_WAIT_MS = 10_000;

const json = (status: number, body: unknown): AppResponse => ({
  status,
  headers: JSON_TYPE,
  body: JSON.stringify(body),
});

const noRoute = (req: AppRequest, pathname: string) =>
  new Ec2Error("InvalidAction", `No route for ${req.method} ${pathname}`, 404);

/** Bytes of parts the caller's open sessions hold (0 where the catalogue has no sessions). */
export async function heldBytes(ctx: RequestContext): Promise<number> {
  const sessions = ctx.deps.uploadSessions;
  if (!sessions) return 0;
  return sessions.heldBytes(ctx.caller.accountId);
}

function stateOf(s: UploadSession): "open" | "assembling" | "complete" | "failed" {
  if (s.result) return "error" in s.result ? "failed" : "complete";
  return s.assembling ? "assembling" : "open";
}

function view(sessions: UploadSessions, s: UploadSession, withParts: boolean) {
  return {
    uploadId: s.uploadId,
    size: s.size,
    sha256: s.sha256,
    partSize: s.partSize,
    partCount: s.partCount,
    createdAt: s.createdAt,
    expiresAt: sessions.expiresAt(s),
    state: stateOf(s),
    ...(withParts ? { parts: [...s.parts.values()].sort((a, b) => a.partNumber - b.partNumber) } : {}),
    ...(s.result ? s.result : {}),
  };
}

function answerOf(result: UploadResult): AppResponse {
  if ("error" in result) throw new Ec2Error(result.error.code, result.error.message, 400);
  return json(200, result);
}

async function create(ctx: RequestContext, sessions: UploadSessions, req: AppRequest): Promise<AppResponse> {
  const account = ctx.caller.accountId;
  let declared: { size?: unknown; sha256?: unknown; partSize?: unknown };
  try {
    declared = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "") as typeof declared;
    if (typeof declared !== "object" || declared === null) throw new TypeError();
  } catch {
    throw new Ec2Error(
      "InvalidParameterValue",
      'The body must be JSON: {"size": bytes, "sha256": hex, "partSize": bytes}.',
    );
  }
  const { maxBlobBytes: max, accountQuotaBytes: quota } = ctx.uploads.limits;
  const size = declared.size;
  try {
    if (typeof size === "number" && max > 0 && size > max) throw tooLarge(max, size);
    if (typeof size === "number" && quota > 0) {
      const stored = (await ctx.uploads.used(account)) + (await sessions.heldBytes(account));
      if (stored + size > quota) throw overQuota(quota, stored);
    }
  } catch (e) {
    await ctx.audit("CreateUpload", undefined, JSON.stringify({ size }), (e as Ec2Error).code);
    throw e;
  }
  const s = await sessions.create(account, {
    size: declared.size,
    sha256: declared.sha256,
    partSize: declared.partSize,
  });
  await ctx.audit(
    "CreateUpload",
    `upload:${s.uploadId}`,
    JSON.stringify({ size: s.size, sha256: s.sha256, partSize: s.partSize }),
    "ok",
  );
  return json(200, view(sessions, s, true));
}

async function putPart(
  ctx: RequestContext,
  sessions: UploadSessions,
  s: UploadSession,
  req: AppRequest,
  partNumber: string,
): Promise<AppResponse> {
  const account = ctx.caller.accountId;
  const n = sessions.checkPart(s, partNumber);
  const expected = sessions.partSizeOf(s, n);
  const length = req.headers["content-length"];
  const declared = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
  if (declared !== undefined && declared !== expected)
    throw new Ec2Error(
      "InvalidParameterValue",
      `Part ${n} of upload ${s.uploadId} has ${expected} bytes; the request declares ${declared}.`,
    );
  let upload: AdmittedUpload;
  try {
    // The quota counts parts too: a part is refused as a whole upload would be.
    upload = await ctx.uploads.admit(
      account,
      await sessions.heldBytes(account),
      declared ?? expected,
      Buffer.isBuffer(req.body) ? Readable.from([req.body]) : req.body,
    );
  } catch (e) {
    if (e instanceof Ec2Error)
      await ctx.audit("UploadPart", `upload:${s.uploadId}`, JSON.stringify({ partNumber: n }), e.code);
    throw e;
  }
  // x-amz-content-sha256 is present and signed: SigV4 verification refuses a streamed body without.
  try {
    return json(200, await sessions.putPart(s, n, upload.body, req.headers["x-amz-content-sha256"]!));
  } finally {
    // Kept: the part counts among the session's held bytes from now on.
    await upload.release();
  }
}

async function complete(
  ctx: RequestContext,
  sessions: UploadSessions,
  s: UploadSession,
): Promise<AppResponse> {
  if (s.result) return answerOf(s.result);
  const missing = sessions.missing(s);
  if (missing.length > 0 && s.assembling) return json(202, view(sessions, s, false));
  if (missing.length > 0)
    throw new Ec2Error(
      "InvalidPart",
      `The upload ${s.uploadId} lacks ${missing.length} of its ${s.partCount} parts: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}.`,
    );
  // The parts, in order, through the same spool, digest check and vetting as a single PUT; on one
  // node at a time (a lease in the database): asked while another node assembles, this one says 202.
  const assembly = await sessions.assembly(s, async (): Promise<UploadResult> => {
    try {
      const stored = await storeBlob(ctx, "CompleteUpload", sessions.bytes(s), s.sha256, {
        uploadId: s.uploadId,
      });
      const result = { imageLocation: `amigate:blob/${stored.sha256}`, ...stored };
      await sessions.finish(s, result);
      return result;
    } catch (e) {
      // A refusal is final (the bytes are wrong for good); anything else leaves the parts for a retry.
      if (!(e instanceof Ec2Error) || e.httpStatus >= 500) throw e;
      const result = { error: { code: e.code, message: e.message } };
      await sessions.finish(s, result);
      return result;
    }
  });
  if (!assembly) {
    s.assembling = true;
    return json(202, view(sessions, s, false));
  }
  let timer: NodeJS.Timeout | undefined;
  const waited = await Promise.race([
    assembly,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), COMPLETE_WAIT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  return waited === undefined ? json(202, view(sessions, s, false)) : answerOf(waited);
}

export async function uploadRoutes(
  ctx: RequestContext,
  req: AppRequest,
  url: Pick<URL, "pathname">,
): Promise<AppResponse> {
  const sessions = ctx.deps.uploadSessions;
  if (!sessions)
    throw new Ec2Error("InvalidAction", "This catalogue takes uploads whole only (PUT /amigate/blobs).", 404);
  await sessions.ready();
  if (url.pathname === "/amigate/uploads") {
    if (req.method === "POST") return create(ctx, sessions, req);
    if (req.method === "GET")
      return json(200, {
        uploads: (await sessions.open(ctx.caller.accountId)).map((s) => view(sessions, s, false)),
      });
    throw noRoute(req, url.pathname);
  }
  const m = /^\/amigate\/uploads\/([^/]+)(?:\/(complete|parts\/([^/]+)))?$/.exec(url.pathname);
  if (!m) throw noRoute(req, url.pathname);
  const s = await sessions.get(ctx.caller.accountId, m[1]!);
  if (m[2] === undefined) {
    if (req.method === "GET") return json(200, view(sessions, s, true));
    if (req.method === "DELETE") {
      await sessions.abort(s);
      await ctx.audit("AbortUpload", `upload:${s.uploadId}`, "{}", "ok");
      return json(200, { uploadId: s.uploadId, state: "aborted" });
    }
  } else if (m[2] === "complete") {
    if (req.method === "POST") return complete(ctx, sessions, s);
  } else if (req.method === "PUT") return putPart(ctx, sessions, s, req, m[3]!);
  throw noRoute(req, url.pathname);
}
