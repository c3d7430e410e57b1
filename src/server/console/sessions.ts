/**
 * Console sessions: sign-in with an access key id and its secret (compared the way SigV4's keys
 * are looked up: the store's sealed secret), a random token in an HttpOnly SameSite=Strict cookie
 * (Secure when the request came over TLS), the token's SHA-256 in the store, a CSRF token per
 * session, idle and absolute expiry.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ConsoleSession, SessionStore } from "../store/types.js";

export interface SessionSettings {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  lifetimeMs: number;
}

export const DEFAULT_SESSION_SETTINGS: SessionSettings = {
  idleMs: 60 * 60_000,
  lifetimeMs: 12 * 60 * 60_000,
};

/**
 * lastSeenAt is written at most this often: a page view should not cost a write each time. A short
 * idle time (serve --session-idle) touches more often, so a busy session never looks idle.
 */
const TOUCH_EVERY_MS = 60_000;

export const SESSION_COOKIE = "amigate_session";
/** The sign-in form's CSRF token before there is a session (double submit: cookie and form field). */
export const SIGN_IN_COOKIE = "amigate_signin";

export const newToken = (): string => randomBytes(32).toString("base64url");
export const tokenHash = (token: string): string => createHash("sha256").update(token).digest("hex");

/** Equal strings in time that does not depend on where they differ (both hashed to one length). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    // The first cookie of a name wins, as browsers send the most specific path first.
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

export function cookie(
  name: string,
  value: string,
  o: { secure: boolean; maxAgeSeconds: number; path?: string },
): string {
  return (
    `${name}=${value}; Path=${o.path ?? "/"}; Max-Age=${Math.max(0, Math.floor(o.maxAgeSeconds))}; ` +
    `HttpOnly; SameSite=Strict${o.secure ? "; Secure" : ""}`
  );
}

export class ConsoleSessions {
  constructor(
    private readonly store: SessionStore,
    readonly settings: SessionSettings,
    private readonly now: () => Date,
  ) {}

  async start(accountId: string, accessKeyId: string, write: (s: ConsoleSession) => Promise<void>) {
    const now = this.now();
    await this.store.deleteExpiredSessions(
      now.toISOString(),
      new Date(now.getTime() - this.settings.idleMs).toISOString(),
    );
    const token = newToken();
    const session: ConsoleSession = {
      tokenHash: tokenHash(token),
      accountId,
      accessKeyId,
      csrfToken: newToken(),
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.settings.lifetimeMs).toISOString(),
    };
    await write(session);
    return { token, session };
  }

  /** The live session behind a cookie's token; an expired one is deleted and not returned. */
  async resume(token: string | undefined): Promise<ConsoleSession | undefined> {
    if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const hash = tokenHash(token);
    const session = await this.store.session(hash);
    if (!session) return undefined;
    const now = this.now().getTime();
    const idleSince = Date.parse(session.lastSeenAt);
    if (now >= Date.parse(session.expiresAt) || now - idleSince >= this.settings.idleMs) {
      await this.store.deleteSession(hash);
      return undefined;
    }
    if (now - idleSince >= Math.min(TOUCH_EVERY_MS, this.settings.idleMs / 10)) {
      session.lastSeenAt = new Date(now).toISOString();
      await this.store.touchSession(hash, session.lastSeenAt);
    }
    return session;
  }

  /** Seconds the browser should keep a new session's cookie: until the session's absolute end. */
  cookieMaxAge(session: ConsoleSession): number {
    return (Date.parse(session.expiresAt) - Date.parse(session.createdAt)) / 1000;
  }
}
