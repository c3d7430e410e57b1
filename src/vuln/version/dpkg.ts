/**
 * Debian version order (deb-version(7), "Sorting algorithm"): epoch numerically, then upstream
 * version and revision compared by alternating non-digit and digit runs, where "~" sorts before
 * everything (even the end of the string) and letters sort before other characters.
 */

export interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

export function parseDebianVersion(version: string): DebianVersion {
  const v = version.trim();
  const colon = v.indexOf(":");
  let epoch = 0;
  let rest = v;
  if (colon > 0 && /^\d+$/.test(v.slice(0, colon))) {
    epoch = Number.parseInt(v.slice(0, colon), 10);
    rest = v.slice(colon + 1);
  }
  const dash = rest.lastIndexOf("-");
  return dash >= 0
    ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) }
    : { epoch, upstream: rest, revision: "" };
}

/** The weight of one character in a non-digit run: "~" < end < letters < everything else. */
function order(c: number): number {
  if (c === 0x7e) return -1; // ~
  if (c >= 0x30 && c <= 0x39) return 0; // digit (ends the run)
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return c;
  return c + 256;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function comparePart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit run; a missing character weighs 0 (the end), so "~" < end < letters.
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = i < a.length ? order(a.charCodeAt(i)) : 0;
      const bc = j < b.length ? order(b.charCodeAt(j)) : 0;
      if (ac !== bc) return ac < bc ? -1 : 1;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 0x30) i++;
    while (b.charCodeAt(j) === 0x30) j++;
    let first = 0;
    while (i < a.length && j < b.length && isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (first === 0) first = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && isDigit(a.charCodeAt(i))) return 1;
    if (j < b.length && isDigit(b.charCodeAt(j))) return -1;
    if (first !== 0) return first < 0 ? -1 : 1;
  }
  return 0;
}

/** -1, 0 or 1 as a sorts before, with or after b in dpkg's order. */
export function compare(a: string, b: string): number {
  const va = parseDebianVersion(a);
  const vb = parseDebianVersion(b);
  if (va.epoch !== vb.epoch) return va.epoch < vb.epoch ? -1 : 1;
  return comparePart(va.upstream, vb.upstream) || comparePart(va.revision, vb.revision);
}
