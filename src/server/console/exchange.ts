/** One console request as the pages see it, the responses they answer with, and what the console needs of the App. */
import type { Caller } from "../ec2/context.js";
import type { ConsoleSession } from "../store/types.js";
import type { AppDeps, AppRequest, AppResponse, RequestContext } from "../types.js";
import type { RunAction } from "./changes.js";
import { page, type View, type Visitor } from "./layout.js";

/** No inline script or style anywhere: everything comes from this origin's files. */
export const CONSOLE_CSP =
  "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

export const HTML_HEADERS = {
  "content-type": "text/html;charset=utf-8",
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
  "cache-control": "no-store",
};

/** What the console needs of the App: its dependencies, its EC2 path and its audit context. */
export interface ConsoleHost {
  readonly deps: AppDeps;
  runAction: RunAction;
  context(caller: Caller, requestId: string, req: Pick<AppRequest, "remoteAddress">): RequestContext;
}

export interface Exchange {
  req: AppRequest;
  url: Pick<URL, "pathname" | "searchParams">;
  session: ConsoleSession | undefined;
  visitor: Visitor | undefined;
  secure: boolean;
  /** The form of a POST (checked for its CSRF token already). */
  form: URLSearchParams;
}

/** The page a view is, with the console's headers (a HEAD gets them without the page). */
export function render(x: Exchange, view: View, extra: Record<string, string> = {}): AppResponse {
  return {
    status: view.status ?? 200,
    headers: { ...HTML_HEADERS, ...extra },
    body: x.req.method === "HEAD" ? "" : page(view, x.visitor),
  };
}

export function sameOrigin(origin: string, host: string, secure: boolean): boolean {
  return origin === `${secure ? "https" : "http"}://${host}`;
}

/** Where to go after signing in: a path on this site only (never //elsewhere or a URL). */
export function nextOf(next: string | null): string {
  return next && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : "/images";
}

export function redirect(location: string, headers: Record<string, string> = {}): AppResponse {
  return { status: 303, headers: { location, "cache-control": "no-store", ...headers }, body: "" };
}

export function notAllowed(allow: string): AppResponse {
  return {
    status: 405,
    headers: { allow, "content-type": "text/plain;charset=utf-8", "cache-control": "no-store" },
    body: "method not allowed\n",
  };
}
