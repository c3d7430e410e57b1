/**
 * The catalogue as one in-process function, handle(request) → response, so tests call it without a
 * socket (http.ts binds it to node:http). Routes: the EC2 query API at "/", and our own signed
 * endpoints under /amigate/ for what EC2 has no API for (upload, pull, scan reports).
 */

import { allowedImagesRoutes } from "./allowed-images-routes.js";
import { type IncomingSigned, verifySigV4 } from "./auth/sigv4.js";
import { isConsoleRequest, WebConsole } from "./console/index.js";
import type { Caller } from "./ec2/context.js";
import { Ec2Error, renderEc2Error } from "./ec2/errors.js";
import { ACTIONS_BY_NAME } from "./ec2/index.js";
import { Ec2Params } from "./ec2/query.js";
import { renderEc2Response } from "./ec2/xml.js";
import { newRequestId } from "./ids.js";
import { listingRoutes } from "./listing-routes.js";
import { rejudgeRoutes } from "./rejudge-routes.js";
import { blobRoutes } from "./routes.js";
import type { AppDeps, AppRequest, AppResponse, RequestContext } from "./types.js";
import { DEFAULT_UPLOAD_LIMITS, UploadLedger } from "./upload-limits.js";

const XML_TYPE = "text/xml;charset=UTF-8";

/** EC2 lists a deregistered image "for a short interval"; here an hour unless serve says otherwise. */
export const DEFAULT_DEREGISTERED_LISTING_MS = 3_600_000;
const xmlHeaders = (requestId: string) => ({ "content-type": XML_TYPE, "x-amzn-requestid": requestId });

/** An EC2 error as its response: Response/Errors/Error XML with the error's HTTP status. */
export function errorResponse(e: Ec2Error, requestId = newRequestId()): AppResponse {
  return { status: e.httpStatus, headers: xmlHeaders(requestId), body: renderEc2Error(e, requestId) };
}

/** Path and query of a request target; EC2 clients POST to "/", which needs no URL parser. */
type Target = Pick<URL, "pathname" | "searchParams">;
function targetOf(url: string): Target {
  if (url === "/") return { pathname: "/", searchParams: new URLSearchParams() };
  return new URL(url, "http://catalogue.invalid");
}

export class App {
  private readonly keys = new Map<string, { accountId: string; secretAccessKey: string }>();
  private readonly admins = new Map<string, boolean>();
  readonly uploads: UploadLedger;
  /** The web console at "/" (console/index.ts): browsers, no signature. */
  readonly console: WebConsole;

  constructor(readonly deps: AppDeps) {
    this.uploads = new UploadLedger(deps.uploadLimits ?? DEFAULT_UPLOAD_LIMITS, deps.store);
    this.console = new WebConsole(this);
  }

  private async lookupKey(accessKeyId: string) {
    let k = this.keys.get(accessKeyId);
    if (!k) {
      // Misses always go to the store: keys created by `amigate accounts create` while we run.
      k = await this.deps.store.accessKey(accessKeyId);
      if (k) this.keys.set(accessKeyId, k);
    }
    return k;
  }

  private async authenticate(req: AppRequest, url: Target, body: Buffer | undefined): Promise<Caller> {
    const signed: IncomingSigned = {
      method: req.method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    const v = await verifySigV4(signed, (id) => this.lookupKey(id), (this.deps.now ?? (() => new Date()))());
    let admin = this.admins.get(v.accountId);
    if (admin === undefined) {
      admin = (await this.deps.store.account(v.accountId))?.admin ?? false;
      this.admins.set(v.accountId, admin);
    }
    return { accountId: v.accountId, accessKeyId: v.accessKeyId, admin };
  }

  async handle(req: AppRequest): Promise<AppResponse> {
    const requestId = newRequestId();
    const url = targetOf(req.url);
    try {
      if (url.pathname === "/amigate/health")
        return { status: 200, headers: { "content-type": "text/plain" }, body: "ok\n" };
      if (url.pathname.startsWith("/amigate/")) {
        const streamed = !(req.body instanceof Buffer);
        const caller = await this.authenticate(req, url, streamed ? undefined : (req.body as Buffer));
        const ctx = this.context(caller, requestId, req);
        return (
          (await listingRoutes(ctx, req, url)) ??
          (await rejudgeRoutes(ctx, req, url)) ??
          (await allowedImagesRoutes(ctx, req, url)) ??
          (await blobRoutes(ctx, req, url))
        );
      }
      if (isConsoleRequest(req, url)) return await this.console.handle(req, url);
      return await this.ec2(req, url, requestId);
    } catch (e) {
      if (e instanceof Ec2Error) return errorResponse(e, requestId);
      throw e;
    }
  }

  context(caller: Caller, requestId: string, req: Pick<AppRequest, "remoteAddress">): RequestContext {
    const store = this.deps.store;
    const entry = (action: string, resource: string | undefined, detail: string, outcome: string) => ({
      at: new Date().toISOString(),
      accountId: caller.accountId,
      accessKeyId: caller.accessKeyId,
      action,
      ...(resource !== undefined ? { resource } : {}),
      detail,
      sourceIp: req.remoteAddress,
      outcome,
    });
    return {
      caller,
      requestId,
      sourceIp: req.remoteAddress,
      deps: this.deps,
      uploads: this.uploads,
      audit: (action, resource, detail, outcome) => store.audit(entry(action, resource, detail, outcome)),
      record: (action, resource, detail, outcome) => ({
        entry: entry(action, resource, detail, outcome),
        written: false,
      }),
      settle: async (record) => {
        if (!record.written) await store.audit(record.entry);
      },
    };
  }

  private async ec2(req: AppRequest, url: Target, requestId: string): Promise<AppResponse> {
    if (!(req.body instanceof Buffer))
      throw new Ec2Error("InvalidRequest", "The request received was invalid.");
    const caller = await this.authenticate(req, url, req.body);
    const form = (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")
      ? new URLSearchParams(req.body.toString("utf8"))
      : new URLSearchParams();
    const params = Ec2Params.parse(url.searchParams, form);
    const { action, body } = await this.runAction(caller, params, req.remoteAddress, requestId);
    return {
      status: 200,
      headers: xmlHeaders(requestId),
      body: renderEc2Response(action, requestId, body),
    };
  }

  /**
   * One EC2 action for an authenticated caller, audited: the API's path, and the web console's for
   * every change it makes (so permissions, the gate and the audit log have one implementation).
   */
  async runAction(
    caller: Caller,
    params: Ec2Params,
    remoteAddress: string,
    requestId = newRequestId(),
  ): Promise<{ action: string; body: string | Buffer[] }> {
    const actionName = params.get("Action");
    if (!actionName)
      throw new Ec2Error("MissingAction", "The request must contain the parameter Action", 400);
    const action = ACTIONS_BY_NAME.get(actionName);
    if (!action)
      throw new Ec2Error("InvalidAction", `The action ${actionName} is not valid for this web service.`, 400);
    const ctx = this.context(caller, requestId, { remoteAddress });
    const detail = () =>
      JSON.stringify(
        Object.fromEntries(params.entries().filter(([k]) => !k.startsWith("X-Amz-") && k !== "Action")),
      );
    // A mutating call's entry goes into the transaction of its change; a call that changed
    // nothing, or failed, has its entry group-committed below.
    const audit = action.mutating
      ? ctx.record(action.name, params.get("ImageId"), detail(), "ok")
      : undefined;
    try {
      if (params.get("DryRun") === "true")
        throw new Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);
      const body = await action.run({
        store: this.deps.store,
        caller,
        params,
        requestId,
        region: this.deps.region,
        publicImageQuota: this.deps.publicImageQuota,
        gate: this.deps.gate,
        scans: this.deps.scans,
        now: (this.deps.now ?? (() => new Date()))(),
        deregisteredListingMs: this.deps.deregisteredListingMs ?? DEFAULT_DEREGISTERED_LISTING_MS,
        audit,
      });
      if (audit) await ctx.settle(audit);
      return { action: action.name, body };
    } catch (e) {
      // After a committed change (written), the failure is a second entry: both happened.
      if (action.mutating && e instanceof Ec2Error)
        await ctx.audit(action.name, params.get("ImageId"), detail(), e.code);
      throw e;
    }
  }
}
