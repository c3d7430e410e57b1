/**
 * rpm version order: rpmvercmp(3) on each of epoch, version and release. Segments are maximal runs
 * of digits or of letters; other characters only separate. "~" sorts before anything (even the end),
 * "^" after the end but before any further segment. Numeric segments beat alphabetic ones.
 */

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
function isAlnum(c: number): boolean {
  return isDigit(c) || isAlpha(c);
}

/** rpmvercmp on one field (version or release). */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const TILDE = 0x7e;
  const CARET = 0x5e;
  while (i < a.length || j < b.length) {
    while (
      i < a.length &&
      !isAlnum(a.charCodeAt(i)) &&
      a.charCodeAt(i) !== TILDE &&
      a.charCodeAt(i) !== CARET
    )
      i++;
    while (
      j < b.length &&
      !isAlnum(b.charCodeAt(j)) &&
      b.charCodeAt(j) !== TILDE &&
      b.charCodeAt(j) !== CARET
    )
      j++;
    const ca = i < a.length ? a.charCodeAt(i) : -1;
    const cb = j < b.length ? b.charCodeAt(j) : -1;
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === CARET || cb === CARET) {
      if (ca === -1) return -1;
      if (cb === -1) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === -1 || cb === -1) break;
    const numeric = isDigit(ca);
    const test = numeric ? isDigit : isAlpha;
    const si = i;
    const sj = j;
    while (i < a.length && test(a.charCodeAt(i))) i++;
    while (j < b.length && test(b.charCodeAt(j))) j++;
    if (j === sj) return numeric ? 1 : -1; // segments of different kinds: numeric is newer
    let sa = a.slice(si, i);
    let sb = b.slice(sj, j);
    if (numeric) {
      sa = sa.replace(/^0+/, "");
      sb = sb.replace(/^0+/, "");
      if (sa.length !== sb.length) return sa.length < sb.length ? -1 : 1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
  }
  const restA = i < a.length;
  const restB = j < b.length;
  if (!restA && !restB) return 0;
  return restA ? 1 : -1;
}

export interface RpmEvr {
  epoch: string;
  version: string;
  /** Undefined when there is no "-": a present release, even empty, sorts after a missing one. */
  release: string | undefined;
}

/** Splits "[epoch:]version[-release]"; a non-numeric "epoch" is part of the version. */
export function parseEvr(evr: string): RpmEvr {
  let epoch = "";
  let rest = evr;
  const colon = evr.indexOf(":");
  if (colon > 0 && /^\d+$/.test(evr.slice(0, colon))) {
    epoch = evr.slice(0, colon);
    rest = evr.slice(colon + 1);
  }
  const dash = rest.lastIndexOf("-");
  return dash >= 0
    ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) }
    : { epoch, version: rest, release: undefined };
}

function compareEpoch(a: string, b: string): number {
  const x = a.replace(/^0+/, "");
  const y = b.replace(/^0+/, "");
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x === y ? 0 : x < y ? -1 : 1;
}

/** -1, 0 or 1: EVR order as rpm and yum apply it (missing epoch = 0). */
export function compare(a: string, b: string): number {
  const x = parseEvr(a);
  const y = parseEvr(b);
  const byVersion = compareEpoch(x.epoch, y.epoch) || rpmvercmp(x.version, y.version);
  if (byVersion !== 0) return byVersion;
  if (x.release === undefined || y.release === undefined) {
    return x.release === y.release ? 0 : x.release === undefined ? -1 : 1;
  }
  return rpmvercmp(x.release, y.release);
}
