/**
 * Wildcard matching without backtracking, for patterns that come from tenants (EC2 filter values)
 * or from images (sshd Include globs, Match User lists) and for the user's ignore-file globs.
 *
 * A pattern compiles to a list of tokens (literal, any one character, character class, star) and
 * is run as an automaton over the text, keeping the set of token positions still alive: each text
 * character costs at most one look at each live position, so a test costs O(tokens × text) at
 * worst, whatever the pattern. (A RegExp built with `.*` per star backtracks exponentially on
 * `*****x` against a long text without an `x`.) Characters are UTF-16 code units, as in a RegExp
 * without the `u` flag; matching is case-sensitive.
 *
 * This module imports nothing from the project.
 */

/** What a pattern's characters mean; everything not switched on is literal. */
export interface WildcardSyntax {
  /** `\x` matches x literally; a trailing lone backslash is literal (EC2 filter values). */
  escapes?: boolean;
  /**
   * `[...]` classes (fnmatch): `!` or `^` first negates, `a-z` ranges, a `]` right after the
   * opening `[` is a member, a `[` with no closing `]` is literal. A range whose ends are out of
   * order matches nothing.
   */
  classes?: boolean;
  /** Characters that `*` and `?` do not match ("/" for one path component). */
  wildcardExcludes?: string;
  /** A text starting with "." matches only a pattern starting with a literal "." (fnmatch FNM_PERIOD). */
  explicitDot?: boolean;
}

export interface MatchResult {
  matched: boolean;
  /** Work done: live token positions looked at, over all text characters (for tests and limits). */
  steps: number;
}

export interface Matcher {
  test(text: string): boolean;
  match(text: string): MatchResult;
}

/**
 * The automaton: tokens 0..m-1, position m accepts. `star(t)` says whether token t is a star
 * (matches any run of the items it `consumes`, including none); `consumes(t, i)` whether token t
 * takes item i. Stars are skipped for free (epsilon moves).
 */
function simulate(
  m: number,
  star: (t: number) => boolean,
  n: number,
  consumes: (t: number, i: number) => boolean,
  seen: Uint32Array,
  stamp: { gen: number },
): MatchResult {
  let steps = 0;
  let cur: number[] = [];
  let next: number[] = [];
  const add = (list: number[], t: number) => {
    // A run of stars has been collapsed to one at compile time, so this loop is short.
    for (;;) {
      if (seen[t] === stamp.gen) return;
      seen[t] = stamp.gen;
      list.push(t);
      steps++;
      if (t === m || !star(t)) return;
      t++;
    }
  };
  const newGeneration = () => {
    if (++stamp.gen === 0xffffffff) {
      seen.fill(0);
      stamp.gen = 1;
    }
  };
  newGeneration();
  add(cur, 0);
  for (let i = 0; i < n; i++) {
    newGeneration();
    next.length = 0;
    for (const t of cur) {
      steps++;
      if (t === m) continue;
      if (!consumes(t, i)) continue;
      add(next, star(t) ? t : t + 1);
    }
    if (next.length === 0) return { matched: false, steps };
    [cur, next] = [next, cur];
  }
  return { matched: seen[m] === stamp.gen, steps };
}

const LITERAL = 0;
const ANY = 1;
const CLASS = 2;
const STAR = 3;

interface CharClass {
  negate: boolean;
  /** Inclusive code-unit ranges, flattened: lo0, hi0, lo1, hi1, … */
  ranges: number[];
}

/** Parses a class whose body is `pattern[start+1 .. end-1]` (after the `[`, before the `]`). */
function parseClass(body: string): CharClass {
  const negate = body.startsWith("!") || body.startsWith("^");
  if (negate) body = body.slice(1);
  const ranges: number[] = [];
  for (let j = 0; j < body.length; ) {
    if (j + 2 < body.length && body[j + 1] === "-") {
      ranges.push(body.charCodeAt(j), body.charCodeAt(j + 2));
      j += 3;
    } else {
      ranges.push(body.charCodeAt(j), body.charCodeAt(j));
      j++;
    }
  }
  return { negate, ranges };
}

function inClass(c: CharClass, code: number): boolean {
  let found = false;
  for (let k = 0; k < c.ranges.length && !found; k += 2)
    found = c.ranges[k]! <= code && code <= c.ranges[k + 1]!;
  return found !== c.negate;
}

/** Compiles a wildcard pattern: `*` any run, `?` any one character, plus what `syntax` switches on. */
export function compileWildcard(pattern: string, syntax: WildcardSyntax = {}): Matcher {
  const kinds: number[] = [];
  const codes: number[] = [];
  const classes: Array<CharClass | undefined> = [];
  const push = (kind: number, code = 0, cls?: CharClass) => {
    if (kind === STAR && kinds[kinds.length - 1] === STAR) return;
    kinds.push(kind);
    codes.push(code);
    classes.push(cls);
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") push(STAR);
    else if (c === "?") push(ANY);
    else if (c === "\\" && syntax.escapes && i + 1 < pattern.length) push(LITERAL, pattern.charCodeAt(++i));
    else if (c === "[" && syntax.classes && pattern.indexOf("]", i + 2) >= 0) {
      const end = pattern.indexOf("]", i + 2);
      push(CLASS, 0, parseClass(pattern.slice(i + 1, end)));
      i = end;
    } else push(LITERAL, pattern.charCodeAt(i));
  }
  const m = kinds.length;
  const excludes = syntax.wildcardExcludes ?? "";
  const wild = (code: number) => excludes === "" || !excludes.includes(String.fromCharCode(code));
  const literalOnly = !kinds.some((k) => k !== LITERAL);
  const dotFirst = kinds[0] === LITERAL && codes[0] === 46;
  const seen = new Uint32Array(m + 1);
  const stamp = { gen: 0 };
  const star = (t: number) => kinds[t] === STAR;

  const match = (text: string): MatchResult => {
    if (syntax.explicitDot && text.startsWith(".") && !dotFirst) return { matched: false, steps: 1 };
    if (literalOnly) return { matched: m === text.length && same(text), steps: 1 };
    const consumes = (t: number, i: number) => {
      const code = text.charCodeAt(i);
      switch (kinds[t]) {
        case LITERAL:
          return codes[t] === code;
        case CLASS:
          return inClass(classes[t]!, code);
        default:
          return wild(code);
      }
    };
    return simulate(m, star, text.length, consumes, seen, stamp);
  };
  // Token by token: with escapes the pattern a\* is the text "a*".
  const same = (text: string) => {
    for (let t = 0; t < m; t++) if (codes[t] !== text.charCodeAt(t)) return false;
    return true;
  };
  return { match, test: (text) => match(text).matched };
}

/** The component matcher of a path glob; "**" is the globstar. */
type Component = "**" | { literal: boolean; matcher: Matcher };

/**
 * A path glob over "/"-separated paths: within one component `*` (any run), `?`, `[...]` and
 * backslash escapes; a component that is exactly `**` matches any number of whole components
 * (none included). Wildcards never match the components "." and ".."; otherwise they match
 * names starting with "." (picomatch's `dot: true`). Components are compared one to one, so
 * "/etc/*" matches "/etc/hosts" but not "/etc/ssh/sshd_config".
 */
export function compilePathGlob(pattern: string): Matcher {
  const comps: Component[] = [];
  for (const part of pattern.split("/")) {
    if (part === "**") {
      if (comps[comps.length - 1] !== "**") comps.push("**");
      continue;
    }
    const literal = !/[*?[\\]/.test(part);
    comps.push({
      literal,
      matcher: compileWildcard(part, { escapes: true, classes: true, wildcardExcludes: "/" }),
    });
  }
  const m = comps.length;
  const seen = new Uint32Array(m + 1);
  const stamp = { gen: 0 };
  const star = (t: number) => comps[t] === "**";
  const match = (text: string): MatchResult => {
    const parts = text.split("/");
    let inner = 0;
    const consumes = (t: number, i: number) => {
      const c = comps[t]!;
      const name = parts[i]!;
      const dots = name === "." || name === "..";
      if (c === "**") return !dots;
      if (dots && !c.literal) return false;
      const r = c.matcher.match(name);
      inner += r.steps;
      return r.matched;
    };
    const r = simulate(m, star, parts.length, consumes, seen, stamp);
    return { matched: r.matched, steps: r.steps + inner };
  };
  return { match, test: (text) => match(text).matched };
}
