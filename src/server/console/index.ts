import { Ec2Error } from "../ec2/errors.js";
import type { Image } from "../store/types.js";
import type { AppRequest, AppResponse } from "../types.js";
import { applyChange, type ConsoleChange, changeOf } from "./changes.js";
import { ConsoleData } from "./data.js";
import { type ConsoleHost, type Exchange, notAllowed, redirect, render, sameOrigin } from "./exchange.js";
import { deregisterView, imageView, packagesView } from "./pages/image.js";
import { catalogueView, myImagesView, sharedView } from "./pages/lists.js";
import { messageView } from "./pages/sign-in.js";
import {
  ConsoleSessions,
  DEFAULT_SESSION_SETTINGS,
  parseCookies,
  SESSION_COOKIE,
  type SessionSettings,
  SIGN_IN_COOKIE,
  sameSecret,
} from "./sessions.js";
import { ConsoleSignIn } from "./sign-in.js";
import { type Answer, ConsoleStatements } from "./statements.js";
import { CONSOLE_CSS, FAVICON_SVG } from "./style.js";
import { SignInThrottle } from "./throttle.js";

export { CONSOLE_CSP, type ConsoleHost } from "./exchange.js";

type Target = Exchange["url"];

/**
 * The console answers browsers: requests without a SigV4 signature (no Authorization header, no
 * presigned query, no Action) outside /amigate/, except a POST to "/" (EC2 clients post there).
 */
export function isConsoleRequest(req: AppRequest, url: Target): boolean {
  if (req.headers.authorization !== undefined || url.pathname.startsWith("/amigate/")) return false;
  if (url.searchParams.has("Action") || url.searchParams.has("X-Amz-Signature")) return false;
  return url.pathname !== "/" || req.method === "GET" || req.method === "HEAD";
}

/** The console's files: no build step, both written in style.ts. */
const ASSETS: Record<string, { type: string; body: string }> = {
  "/static/console.css": { type: "text/css;charset=utf-8", body: CONSOLE_CSS },
  "/static/favicon.svg": { type: "image/svg+xml", body: FAVICON_SVG },
};

const IMAGE_PATH =
  /^\/images\/(ami-[0-9a-f]{8}(?:[0-9a-f]{9})?)(?:\/(packages|launch-permission|lifecycle|deregister|listing|listing\/publish|attestations|submission|submission\.json))?$/;

/** Pages and forms only the image's owner has. */
const OWNER_ONLY = new Set([
  "launch-permission",
  "lifecycle",
  "deregister",
  "listing",
  "listing/publish",
  "attestations",
  "submission",
  "submission.json",
]);

export class WebConsole {
  readonly #sessions: ConsoleSessions;
  readonly #signIn: ConsoleSignIn;
  readonly #data: ConsoleData;
  readonly #statements: ConsoleStatements;
  readonly #now: () => Date;

  constructor(
    private readonly host: ConsoleHost,
    settings: Partial<SessionSettings> = {},
  ) {
    this.#now = host.deps.now ?? (() => new Date());
    this.#sessions = new ConsoleSessions(
      host.deps.store,
      { ...DEFAULT_SESSION_SETTINGS, ...host.deps.consoleSessions, ...settings },
      this.#now,
    );
    this.#signIn = new ConsoleSignIn(
      host,
      this.#sessions,
      new SignInThrottle(() => this.#now().getTime(), host.deps.signInPeers),
    );
    this.#data = new ConsoleData(host.deps.store, host.deps.region);
    this.#statements = new ConsoleStatements(host, this.#data);
  }

  async handle(req: AppRequest, url: Target): Promise<AppResponse> {
    const asset = ASSETS[url.pathname];
    if (asset) {
      if (req.method !== "GET" && req.method !== "HEAD") return notAllowed("GET");
      return {
        status: 200,
        headers: {
          "content-type": asset.type,
          "cache-control": "public, max-age=3600",
          "x-content-type-options": "nosniff",
        },
        body: req.method === "HEAD" ? "" : asset.body,
      };
    }
    const cookies = parseCookies(req.headers.cookie);
    const session = await this.#sessions.resume(cookies.get(SESSION_COOKIE));
    const visitor = session && { accountId: session.accountId, csrfToken: session.csrfToken };
    const proto = (req.headers["x-forwarded-proto"] ?? "").split(",")[0]!.trim();
    const x: Exchange = {
      req,
      url,
      session,
      visitor,
      secure: req.tls === true || proto === "https",
      form: new URLSearchParams(),
    };

    if (req.method === "POST") {
      const refused = this.#checkPost(x, cookies);
      if (refused) return refused;
    } else if (req.method !== "GET" && req.method !== "HEAD") return notAllowed("GET, POST");

    const p = url.pathname;
    if (p === "/") return redirect(visitor ? "/images" : "/catalogue");
    if (p === "/sign-in")
      return req.method === "POST" ? this.#signIn.submit(x) : this.#signIn.form(x, cookies);
    if (p === "/sign-out") return req.method === "POST" ? this.#signIn.signOut(x) : notAllowed("POST");
    if (p === "/catalogue")
      return render(x, await catalogueView(this.#data, visitor?.accountId, url.searchParams));
    if (p === "/images" || p === "/shared") {
      if (!visitor) return redirect(`/sign-in?next=${encodeURIComponent(p)}`);
      if (req.method === "POST") return notAllowed("GET");
      const view =
        p === "/images"
          ? await myImagesView(this.#data, visitor.accountId)
          : await sharedView(this.#data, visitor.accountId);
      if (p === "/images" && url.searchParams.get("done") === "deregistered")
        view.main = view.main.replace(
          "</h1>",
          '</h1><p class="notice" role="status">The image is deregistered.</p>',
        );
      return render(x, view);
    }
    const m = IMAGE_PATH.exec(p);
    if (m) return this.#imageRoute(x, m[1]!, m[2]);
    return render(x, messageView(404, "Not found", "There is no page here."));
  }

  /** Same origin, a form body, and the right CSRF token; else the refusal. */
  #checkPost(x: Exchange, cookies: Map<string, string>): AppResponse | undefined {
    const { req } = x;
    const origin = req.headers.origin;
    const host = req.headers.host;
    if (origin !== undefined && (host === undefined || !sameOrigin(origin, host, x.secure)))
      return render(x, messageView(403, "Refused", "The form came from another site."));
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"))
      return render(x, messageView(415, "Refused", "Forms are sent as application/x-www-form-urlencoded."));
    x.form = new URLSearchParams(Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "");
    const sent = x.form.get("csrf") ?? "";
    const expected = x.url.pathname === "/sign-in" ? cookies.get(SIGN_IN_COOKIE) : x.session?.csrfToken;
    if (!expected || sent === "" || !sameSecret(sent, expected))
      return render(
        x,
        messageView(
          403,
          "Refused",
          x.session || x.url.pathname === "/sign-in"
            ? "The form's security token is missing or does not match. Reload the page and try again."
            : "Your session has ended. Sign in again.",
        ),
      );
    return undefined;
  }

  /** The listing editor, attestations and submission record (statements.ts), or undefined. */
  async #statementsRoute(x: Exchange, image: Image, sub: string): Promise<AppResponse | undefined> {
    const post = x.req.method === "POST";
    const caller = await this.#signIn.caller(x.session!);
    const v = x.visitor!;
    const ip = x.req.remoteAddress;
    const q = x.url.searchParams;
    let answer: Answer;
    switch (sub) {
      case "listing":
        answer = post
          ? await this.#statements.listingPost(caller, v, image, x.form, ip)
          : await this.#statements.listingPage(caller, v, image, q, ip);
        break;
      case "listing/publish":
        if (!post) return notAllowed("POST");
        answer = await this.#statements.publishPost(caller, v, image, x.form, ip);
        break;
      case "attestations":
        answer = post
          ? await this.#statements.attestationsPost(caller, v, image, x.form, ip)
          : await this.#statements.attestationsPage(caller, v, image, q, ip);
        break;
      case "submission":
      case "submission.json":
        if (post) return notAllowed("GET");
        answer = await this.#statements.submission(caller, image, sub === "submission.json", ip);
        break;
      default:
        return undefined;
    }
    if ("redirect" in answer) return redirect(answer.redirect);
    if ("response" in answer) return answer.response;
    return render(x, answer.view);
  }

  async #imageRoute(x: Exchange, imageId: string, sub: string | undefined): Promise<AppResponse> {
    const { visitor, session } = x;
    const post = x.req.method === "POST";
    if ((sub !== undefined || post) && (!visitor || !session))
      return post
        ? render(x, messageView(403, "Refused", "Sign in first."))
        : redirect(`/sign-in?next=${encodeURIComponent(x.url.pathname)}`);
    const image = await this.#data.image(visitor?.accountId, imageId);
    if (!image) return render(x, messageView(404, "Not found", `There is no image ${imageId} you may see.`));
    const endpoint = `${x.secure ? "https" : "http"}://${x.req.headers.host ?? "127.0.0.1:8754"}`;
    if (sub === undefined) {
      if (post) return notAllowed("GET");
      const done = x.url.searchParams.get("done") ?? undefined;
      return render(
        x,
        await imageView({ data: this.#data, visitor, image, done, endpoint, now: this.#now() }),
      );
    }
    if (sub === "packages")
      return post ? notAllowed("GET") : render(x, await packagesView(this.#data, image));
    const v = visitor!;
    // The owner's forms are not shown to others; what they post is judged by the API alone.
    if (!post && OWNER_ONLY.has(sub) && image.ownerId !== v.accountId)
      return render(x, messageView(403, "Refused", "Only the image's owner can do this."));
    try {
      const statements = await this.#statementsRoute(x, image, sub);
      if (statements) return statements;
    } catch (e) {
      if (!(e instanceof Ec2Error)) throw e;
      return render(x, messageView(e.httpStatus, "Not done", `${e.code}: ${e.message}`));
    }
    if (sub === "deregister" && !post) return render(x, deregisterView(v, image));
    if (!post) return notAllowed("POST");
    let change: ConsoleChange | undefined;
    if (sub === "deregister") change = x.form.get("confirm") === "yes" ? { kind: "deregister" } : undefined;
    else change = changeOf(x.form);
    // Each form posts its own kinds only: a deregistration never skips its confirmation page.
    if (!change || (sub !== "deregister" && !FORM_CHANGES[sub]?.has(change.kind)))
      return render(x, messageView(400, "Refused", "The form names no change."));
    try {
      await applyChange(
        (c, p, r) => this.host.runAction(c, p, r),
        await this.#signIn.caller(session!),
        x.req.remoteAddress,
        imageId,
        change,
      );
    } catch (e) {
      if (!(e instanceof Ec2Error)) throw e;
      const refusal = { change: CHANGE_LABELS[change.kind], error: e };
      return render(
        x,
        await imageView({ data: this.#data, visitor, image, refusal, endpoint, now: this.#now() }),
      );
    }
    if (change.kind === "deregister") return redirect("/images?done=deregistered");
    return redirect(`/images/${imageId}?done=${DONE_OF[change.kind]}`);
  }
}

const CHANGE_LABELS: Record<ConsoleChange["kind"], string> = {
  share: "share with the account",
  unshare: "remove the account's permission",
  "make-public": "make the image public",
  "make-private": "make the image private",
  deregister: "deregister the image",
  deprecate: "set the deprecation time",
  undeprecate: "cancel the deprecation",
  disable: "disable the image",
  enable: "enable the image",
  protect: "protect the image from deregistration",
  unprotect: "remove the deregistration protection",
};

const DONE_OF: Record<Exclude<ConsoleChange["kind"], "deregister">, string> = {
  share: "shared",
  unshare: "unshared",
  "make-public": "public",
  "make-private": "private",
  deprecate: "deprecation-set",
  undeprecate: "deprecation-cancelled",
  disable: "disabled",
  enable: "enabled",
  protect: "protected",
  unprotect: "unprotected",
};

const FORM_CHANGES: Record<string, ReadonlySet<ConsoleChange["kind"]>> = {
  "launch-permission": new Set(["share", "unshare", "make-public", "make-private"]),
  lifecycle: new Set(["deprecate", "undeprecate", "disable", "enable", "protect", "unprotect"]),
};
