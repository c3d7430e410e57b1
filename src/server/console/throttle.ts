/**
 * Slows failed console sign-ins per access key id: after FREE_FAILURES wrong secrets in a row, the
 * key id is locked for a time that doubles with each further failure (up to MAX_LOCK_MS), and a
 * sign-in during the lock is refused before the secret is looked at. A success clears the count.
 * Unknown key ids count like known ones, so the answer does not tell which ids exist. The table is
 * bounded: a flood of made-up key ids evicts the oldest entries, never grows memory without end.
 */

export const FREE_FAILURES = 5;
const FIRST_LOCK_MS = 1000;
const MAX_LOCK_MS = 15 * 60_000;
/** Failures older than this (with no lock running) are forgotten. */
const FORGET_AFTER_MS = 15 * 60_000;
const MAX_ENTRIES = 10_000;

interface Failures {
  count: number;
  lastAt: number;
  lockedUntil: number;
}

/** A sign-in's outcome as API nodes on one database tell each other (cluster-bus.ts). */
export interface SignInEvent {
  accessKeyId: string;
  outcome: "failed" | "succeeded";
}

/** The other API nodes: a lockout earned through one node holds on all of them. */
export interface SignInPeers {
  publish(event: SignInEvent): void;
  subscribe(apply: (event: SignInEvent) => void): void;
}

export class SignInThrottle {
  readonly #failures = new Map<string, Failures>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly peers?: SignInPeers,
  ) {
    peers?.subscribe((e) =>
      e.outcome === "failed" ? this.#failed(e.accessKeyId) : this.#failures.delete(e.accessKeyId),
    );
  }

  /** Milliseconds until this key id may try again (0: now). */
  retryAfterMs(accessKeyId: string): number {
    const f = this.#current(accessKeyId);
    return f ? Math.max(0, f.lockedUntil - this.now()) : 0;
  }

  failed(accessKeyId: string): void {
    this.#failed(accessKeyId);
    this.peers?.publish({ accessKeyId, outcome: "failed" });
  }

  succeeded(accessKeyId: string): void {
    this.#failures.delete(accessKeyId);
    this.peers?.publish({ accessKeyId, outcome: "succeeded" });
  }

  #failed(accessKeyId: string): void {
    const now = this.now();
    const f = this.#current(accessKeyId) ?? { count: 0, lastAt: now, lockedUntil: 0 };
    f.count += 1;
    f.lastAt = now;
    if (f.count >= FREE_FAILURES)
      f.lockedUntil = now + Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** (f.count - FREE_FAILURES));
    // Re-inserted so the map's order is oldest-touched first.
    this.#failures.delete(accessKeyId);
    this.#failures.set(accessKeyId, f);
    while (this.#failures.size > MAX_ENTRIES) {
      const oldest = this.#failures.keys().next().value;
      if (oldest === undefined) break;
      this.#failures.delete(oldest);
    }
  }

  get size(): number {
    return this.#failures.size;
  }

  #current(accessKeyId: string): Failures | undefined {
    const f = this.#failures.get(accessKeyId);
    if (!f) return undefined;
    const now = this.now();
    if (f.lockedUntil <= now && now - f.lastAt > FORGET_AFTER_MS) {
      this.#failures.delete(accessKeyId);
      return undefined;
    }
    return f;
  }
}
