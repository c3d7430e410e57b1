/**
 * Signing in and out: the sign-in form (its CSRF token a double-submit cookie on /sign-in), the
 * check of an access key's secret against the catalogue's sealed copy (in constant time, slowed per
 * key id after failures), the session that follows, and the audit entries of both.
 */
import type { Caller } from "../ec2/context.js";
import { newRequestId } from "../ids.js";
import type { ConsoleSession } from "../store/types.js";
import type { AppResponse } from "../types.js";
import { type ConsoleHost, type Exchange, nextOf, redirect, render } from "./exchange.js";
import { signInView } from "./pages/sign-in.js";
import {
  type ConsoleSessions,
  cookie,
  newToken,
  SESSION_COOKIE,
  SIGN_IN_COOKIE,
  sameSecret,
} from "./sessions.js";
import type { SignInThrottle } from "./throttle.js";

export class ConsoleSignIn {
  constructor(
    private readonly host: ConsoleHost,
    private readonly sessions: ConsoleSessions,
    private readonly throttle: SignInThrottle,
  ) {}

  form(x: Exchange, cookies: Map<string, string>): AppResponse {
    if (x.visitor) return redirect(nextOf(x.url.searchParams.get("next")));
    const token = cookies.get(SIGN_IN_COOKIE);
    const csrf = token && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : newToken();
    return render(x, signInView(csrf, { next: x.url.searchParams.get("next") ?? "" }), {
      "set-cookie": cookie(SIGN_IN_COOKIE, csrf, { secure: x.secure, maxAgeSeconds: 3600, path: "/sign-in" }),
    });
  }

  async submit(x: Exchange): Promise<AppResponse> {
    const accessKeyId = (x.form.get("accessKeyId") ?? "").trim();
    const secret = x.form.get("secretAccessKey") ?? "";
    const csrf = x.form.get("csrf")!;
    const again = (status: number, error: string, headers: Record<string, string> = {}) =>
      render(
        x,
        signInView(csrf, {
          status,
          error,
          accessKeyId: accessKeyId.slice(0, 128),
          next: x.url.searchParams.get("next") ?? "",
        }),
        headers,
      );
    if (!/^[A-Z0-9]{16,128}$/.test(accessKeyId) || secret === "" || secret.length > 256)
      return again(400, "Enter an access key id (AKIA…) and its secret access key.");
    const wait = this.throttle.retryAfterMs(accessKeyId);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      return again(429, `Too many failed sign-ins with this key. Try again in ${seconds} s.`, {
        "retry-after": String(seconds),
      });
    }
    const key = await this.host.deps.store.accessKey(accessKeyId);
    if (!key || !sameSecret(secret, key.secretAccessKey)) {
      this.throttle.failed(accessKeyId);
      if (key) {
        const ctx = this.host.context(
          { accountId: key.accountId, accessKeyId, admin: false },
          newRequestId(),
          x.req,
        );
        await ctx.audit("ConsoleSignIn", undefined, "{}", "AuthFailure");
      }
      return again(401, "The access key id or the secret access key is wrong.");
    }
    this.throttle.succeeded(accessKeyId);
    const ctx = this.host.context(
      { accountId: key.accountId, accessKeyId, admin: false },
      newRequestId(),
      x.req,
    );
    const audit = ctx.record("ConsoleSignIn", undefined, "{}", "ok");
    const { token, session } = await this.sessions.start(key.accountId, accessKeyId, (s) =>
      this.host.deps.store.createSession(s, audit),
    );
    await ctx.settle(audit);
    return redirect(nextOf(x.url.searchParams.get("next")), {
      "set-cookie": cookie(SESSION_COOKIE, token, {
        secure: x.secure,
        maxAgeSeconds: this.sessions.cookieMaxAge(session),
      }),
    });
  }

  async signOut(x: Exchange): Promise<AppResponse> {
    if (x.session) {
      const ctx = this.host.context(await this.caller(x.session), newRequestId(), x.req);
      const audit = ctx.record("ConsoleSignOut", undefined, "{}", "ok");
      await this.host.deps.store.deleteSession(x.session.tokenHash, audit);
      await ctx.settle(audit);
    }
    return redirect("/catalogue", {
      "set-cookie": cookie(SESSION_COOKIE, "", { secure: x.secure, maxAgeSeconds: 0 }),
    });
  }

  /** The session's caller as EC2 calls see it (admin as the account is now). */
  async caller(session: ConsoleSession): Promise<Caller> {
    const admin = (await this.host.deps.store.account(session.accountId))?.admin ?? false;
    return { accountId: session.accountId, accessKeyId: session.accessKeyId, admin };
  }
}
