/**
 * One read of a text chunk that tells the TextScanner which of its searches can find anything:
 * whether a token literal or a private-key marker is in it (LITERALS), and how many lines it has.
 * Most text has neither, and then its regexes never run. This was the content pass's largest cost:
 * the token prefilter regex read ~700 MB/s; this reads ~2.5 GB/s (SIMD, teddy.ts) and confirms
 * each candidate with the literal's own regex, so it says exactly which literals are there.
 */
import { KEY_MARKERS, LITERALS, type Literal, TOKEN_PREFILTER } from "./secret-patterns.js";
import { type Fingerprint, TEDDY_WINDOW, Teddy } from "./teddy.js";

/** Bits of `Prescan.families`. */
export const TOKENS = 1;
export const KEYS = 2;
const ALL = TOKENS | KEYS;

export interface Prescan {
  /** TOKENS and KEYS, for the literals the text holds. */
  families: number;
  /** Line feeds in the text (0 when not asked for and not counted anyway). */
  lines: number;
}

interface Bucketed {
  /** The literals of each bucket, for confirming its candidates. */
  literals: Literal[][];
  teddy: Teddy;
}

let simd: Bucketed | undefined | null = null;

/** The SIMD scanner, made once per thread; undefined where WebAssembly SIMD is missing. */
function bucketed(): Bucketed | undefined {
  if (simd !== null) return simd;
  const literals: Literal[][] = Array.from({ length: 8 }, () => []);
  for (const literal of LITERALS) literals[literal.bucket]!.push(literal);
  const teddy = Teddy.create(literals.map((bucket) => bucket.map(fingerprintOf)));
  simd = teddy ? { literals, teddy } : undefined;
  return simd;
}

function fingerprintOf(literal: Literal): Fingerprint {
  const f = literal.fingerprint;
  if (!literal.caseless) return f;
  const both = (c: string) => c.toLowerCase() + c.toUpperCase();
  return [both(f[0]!), both(f[1]!), both(f[2]!)];
}

/**
 * What `text` (bytes, or latin1 text) holds, and its lines when `countLines` (the SIMD scan counts
 * them always); `js` scans without SIMD, as where it is missing. Bytes are what a file's text is
 * before it is decoded: most text need never be.
 */
export function prescan(text: string | Buffer, countLines = true, js = false): Prescan {
  const fast = js ? undefined : bucketed();
  if (fast) return prescanSimd(text, fast);
  return prescanJs(typeof text === "string" ? text : text.toString("latin1"), countLines);
}

/** Characters a literal's confirmation looks at before its fingerprint ("session_" before "tok"), and after. */
const BEFORE = 16;
const AFTER = 32;

function prescanSimd(text: string | Buffer, { literals, teddy }: Bucketed): Prescan {
  let families = 0;
  let lines = 0;
  const confirm = (position: number, buckets: number) => {
    // Both families found: nothing left to confirm (nor to decode).
    if (families === ALL) return;
    // Bytes are decoded around the candidate only: the confirming regexes read a few characters.
    let subject = text as string;
    let at = position;
    if (typeof text !== "string") {
      const from = Math.max(0, position - BEFORE);
      subject = text.toString("latin1", from, Math.min(text.length, position + AFTER));
      at = position - from;
    }
    for (let b = 0; buckets !== 0; b++, buckets >>= 1) {
      if ((buckets & 1) === 0) continue;
      for (const literal of literals[b]!) {
        const family = literal.family === "tokens" ? TOKENS : KEYS;
        if (families & family) continue;
        literal.verify.lastIndex = at;
        if (literal.verify.test(subject)) families |= family;
      }
    }
  };
  for (let start = 0; start < text.length; start += TEDDY_WINDOW) {
    const window = teddy.window(text, start, confirm);
    lines += window.lines;
    // Too many candidates to list: every search runs, as without the prescan.
    if (!window.complete) families = ALL;
  }
  return { families, lines };
}

/**
 * The answer by V8's regexes, where WebAssembly SIMD is missing: the token prefilter is a little
 * looser than LITERALS (`session.?token`), never narrower.
 */
function prescanJs(text: string, countLines: boolean): Prescan {
  let lines = 0;
  // Counting is ~6 % of the pass in JS: a file's last chunk needs no count.
  if (countLines) for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines++;
  return {
    families:
      (TOKEN_PREFILTER.test(text) ? TOKENS : 0) | (KEY_MARKERS.some((k) => text.includes(k)) ? KEYS : 0),
    lines,
  };
}
