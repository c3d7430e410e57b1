/**
 * Alpine apk version order (apk-tools, doc/apk-package.5 "pkgver"): number{.number}[letter]
 * {_suffix[number]}[~hash][-rN]. Components are compared token by token; pre-release suffixes
 * (alpha, beta, pre, rc) sort before the bare version, post-release ones (cvs, svn, git, hg, p)
 * after it. Malformed versions are still ordered, token by token up to the first bad character,
 * and a version that turns bad sorts before one that simply ends (as apk and OSV do).
 */

// Token kinds, in the order the grammar allows them; comparing kinds decides which string ends first.
const DIGIT_OR_ZERO = 0; // a number after a dot: leading zeros make it compare as a string
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NO = 4;
const COMMIT_HASH = 5;
const REVISION_NO = 6;
const END = 7;
const INVALID = 8;

const PRE_SUFFIXES = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES = ["cvs", "svn", "git", "hg", "p"];

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isLower(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66);
}

interface Token {
  kind: number;
  /** The token's text (digits, letter, suffix name or hash). */
  text: string;
  /** Numeric weight: suffix rank, letter code; numbers compare by `text`. */
  rank: number;
}

/** A cursor over one version string; `strict` marks what apk itself would refuse. */
class Tokens {
  kind = DIGIT;
  pos = 0;
  strictlyValid = true;
  constructor(readonly s: string) {
    if (s.length === 0) {
      this.kind = END;
      this.strictlyValid = false;
    }
  }

  /** Consumes the current token. */
  take(): Token {
    const s = this.s;
    const start = this.pos;
    const kind = this.kind;
    let i = start;
    let rank = 0;
    const next = INVALID;
    switch (kind) {
      case DIGIT_OR_ZERO:
      case DIGIT:
      case SUFFIX_NO:
      case REVISION_NO:
        while (i < s.length && isDigit(s.charCodeAt(i))) i++;
        if (i === start) this.strictlyValid = false;
        break;
      case LETTER:
        rank = s.charCodeAt(i);
        i++;
        break;
      case SUFFIX: {
        const rest = s.slice(i);
        const pre = PRE_SUFFIXES.findIndex((x) => rest.startsWith(x));
        const post = pre < 0 ? POST_SUFFIXES.findIndex((x) => rest.startsWith(x)) : -1;
        if (pre < 0 && post < 0) {
          this.kind = INVALID;
          this.strictlyValid = false;
          return { kind: INVALID, text: "", rank: 0 };
        }
        rank = pre >= 0 ? pre - PRE_SUFFIXES.length : post + 1;
        i += (pre >= 0 ? PRE_SUFFIXES[pre]! : POST_SUFFIXES[post]!).length;
        break;
      }
      case COMMIT_HASH:
        while (i < s.length && isHex(s.charCodeAt(i))) i++;
        if (i === start) this.strictlyValid = false;
        break;
      default:
        this.kind = INVALID;
        return { kind: INVALID, text: "", rank: 0 };
    }
    this.pos = i;
    if (i >= s.length) this.kind = END;
    else if (next !== INVALID) this.kind = next;
    else this.advance(kind);
    return { kind, text: s.slice(start, i), rank };
  }

  /** Reads the separator after a token of kind `prev` and decides the next token's kind. */
  private advance(prev: number): void {
    const s = this.s;
    const c = s.charCodeAt(this.pos);
    let n = INVALID;
    if ((prev === DIGIT || prev === DIGIT_OR_ZERO) && isLower(c)) n = LETTER;
    else if (prev === LETTER && isDigit(c)) {
      n = DIGIT;
      this.strictlyValid = false; // "0.1a1": older apk read it, current apk refuses it
    } else if (prev === SUFFIX && isDigit(c)) n = SUFFIX_NO;
    else {
      if (c === 0x2e) n = DIGIT_OR_ZERO;
      else if (c === 0x5f) n = SUFFIX;
      else if (c === 0x7e) n = COMMIT_HASH;
      else if (c === 0x2d && s.charCodeAt(this.pos + 1) === 0x72) {
        // "-r" then a letter ("-ruff") is no revision at all.
        n = isLower(s.charCodeAt(this.pos + 2)) ? INVALID : REVISION_NO;
        this.pos++;
      }
      this.pos++;
    }
    // The grammar moves forward only; a number may follow a number or a letter, a suffix a suffix.
    const back =
      n < prev
        ? !(
            (n === DIGIT_OR_ZERO && prev === DIGIT) ||
            (n === SUFFIX && prev === SUFFIX_NO) ||
            (n === DIGIT && prev === LETTER)
          )
        : n === prev && n !== DIGIT_OR_ZERO && n !== SUFFIX;
    if (back) n = INVALID;
    if (n === INVALID) this.strictlyValid = false;
    this.kind = n;
  }
}

function compareTokens(a: Token, b: Token): number {
  switch (a.kind) {
    case DIGIT_OR_ZERO:
    case DIGIT:
    case SUFFIX_NO:
    case REVISION_NO: {
      // After a dot, a leading zero makes the component a string ("8.2.0015" < "8.2.002").
      if (a.kind === DIGIT_OR_ZERO && (a.text.startsWith("0") || b.text.startsWith("0"))) {
        return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
      }
      const x = a.text.replace(/^0+/, "");
      const y = b.text.replace(/^0+/, "");
      if (x.length !== y.length) return x.length < y.length ? -1 : 1;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case COMMIT_HASH:
      return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
    default:
      return a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0;
  }
}

/** Whether current apk accepts the string as a package version. */
export function isValid(version: string): boolean {
  const t = new Tokens(version);
  let guard = version.length + 2;
  while (t.kind !== END && t.kind !== INVALID && guard-- > 0) t.take();
  return t.kind === END && t.strictlyValid;
}

/** -1, 0 or 1 in apk's order. */
export function compare(a: string, b: string): number {
  const ta = new Tokens(a);
  const tb = new Tokens(b);
  // Every take() consumes at least a separator or a character, so the loop is bounded.
  while (ta.kind === tb.kind && ta.kind !== END && ta.kind !== INVALID) {
    const c = compareTokens(ta.take(), tb.take());
    if (c !== 0) return c;
  }
  if (ta.kind === tb.kind) return 0;
  // Equal so far: the longer version is newer, unless what follows is a pre-release suffix.
  // An empty component ("0.r1") or an unknown suffix ("_blah") against anything else is malformed.
  const ka = ta.kind === DIGIT_OR_ZERO && !isDigit(a.charCodeAt(ta.pos)) ? INVALID : ta.kind;
  const kb = tb.kind === DIGIT_OR_ZERO && !isDigit(b.charCodeAt(tb.pos)) ? INVALID : tb.kind;
  if (ta.kind === SUFFIX) {
    const t = ta.take();
    if (t.kind !== INVALID && t.rank < 0) return -1;
    if (t.kind === INVALID) return kb === INVALID ? 0 : -1;
  }
  if (tb.kind === SUFFIX) {
    const t = tb.take();
    if (t.kind !== INVALID && t.rank < 0) return 1;
    if (t.kind === INVALID) return ka === INVALID ? 0 : 1;
  }
  if (ka === kb) return 0;
  return ka > kb ? -1 : 1;
}

/**
 * apk's fuzzy dependency match ("~", "<~", ">~"): "~" holds when b's components are a prefix of a's,
 * e.g. 3.6.9 ~ 3.6; "<~" and ">~" mean less / greater, or a fuzzy match.
 */
export function fuzzyMatch(a: string, op: string, b: string): boolean {
  const prefix = fuzzyPrefix(a, b);
  if (op === "~") return prefix;
  const c = compare(a, b);
  if (op === "<~") return prefix || c < 0;
  if (op === ">~") return prefix || c > 0;
  return false;
}

function fuzzyPrefix(a: string, b: string): boolean {
  const ta = new Tokens(a);
  const tb = new Tokens(b);
  while (tb.kind !== END) {
    if (tb.kind === INVALID || ta.kind !== tb.kind) return false;
    if (compareTokens(ta.take(), tb.take()) !== 0) return false;
  }
  return true;
}
