import { compileWildcard, type Matcher } from "../match/wildcard.js";
import { strdelim } from "./sshd-tokens.js";

/**
 * sshd's Match blocks (OpenSSH 9.2 servconf.c match_cfg_line, match.c, addr.c): the criteria of a
 * Match line and whether a connection satisfies them.
 */

export type MatchAttribute = "user" | "group" | "host" | "address" | "localaddress" | "localport";

export interface MatchCriterion {
  attribute: MatchAttribute;
  /** The pattern list as written ("deploy,ci-*,!root"); for localport, the port. */
  patterns: string;
}

/** A Match line: `Match all`, or criteria that must all hold. */
export interface MatchCondition {
  all: boolean;
  criteria: MatchCriterion[];
  /** The criteria as written, for messages ("User deploy Address 10.0.0.0/8"). */
  text: string;
  /** A line sshd refused: the lines under it never apply. */
  never?: boolean;
}

/** What sshd knows of a connection when it applies Match blocks (`sshd -T -C user=…,host=…`). */
export interface SshdConnection {
  user: string;
  /** The user's groups (primary and supplementary); empty when the user does not exist. */
  groups: readonly string[];
  /** The client's host name (its address when UseDNS is no, Debian's default). */
  host: string;
  address: string;
  localAddress: string;
  localPort: number;
}

const ATTRIBUTES: readonly MatchAttribute[] = [
  "user",
  "group",
  "host",
  "address",
  "localaddress",
  "localport",
];

/**
 * Reads the criteria after "Match" (the unsplit rest of the line). sshd refuses the file for an
 * unknown attribute, a missing pattern, `all` with anything else, a LocalPort that is not a port
 * and an Address/LocalAddress list with an empty entry or an inconsistent CIDR mask.
 */
export function parseMatchLine(rest: string): MatchCondition | { error: string } {
  const criteria: MatchCriterion[] = [];
  let cp: string | null = rest;
  let attributes = 0;
  for (;;) {
    const a = strdelim(cp);
    cp = a.rest;
    const attrib = a.token;
    if (attrib === null || attrib === "") break;
    if (attrib.startsWith("#")) {
      cp = null;
      break;
    }
    attributes++;
    if (attrib.toLowerCase() === "all") {
      const next = strdelim(cp);
      if (attributes > 1 || (next.token !== null && next.token !== "" && !next.token.startsWith("#")))
        return { error: "'all' cannot be combined with other Match attributes" };
      if (next.token?.startsWith("#")) next.rest = null;
      if (next.rest !== null && next.rest !== "") return { error: "extra arguments at end of line" };
      return { all: true, criteria: [], text: attrib };
    }
    const arg = strdelim(cp);
    cp = arg.rest;
    if (arg.token === null || arg.token === "" || arg.token.startsWith("#"))
      return { error: `Missing Match criteria for ${attrib}` };
    const attribute = ATTRIBUTES.find((x) => x === attrib.toLowerCase());
    if (attribute === undefined) return { error: `Unsupported Match attribute ${attrib}` };
    if (attribute === "localport" && toPort(arg.token) === undefined)
      return { error: `Invalid LocalPort '${arg.token}' on Match line` };
    if (
      (attribute === "address" || attribute === "localaddress") &&
      addressMatchList(undefined, arg.token) === -2
    )
      return {
        error: `Invalid Match ${attribute === "address" ? "address" : "local address"} argument '${arg.token}'`,
      };
    criteria.push({ attribute, patterns: arg.token });
  }
  if (attributes === 0) return { error: "One or more attributes required for Match" };
  // Criteria that stop early (an empty quoted token) leave arguments sshd then calls extra.
  if (cp !== null && cp !== "") return { error: "extra arguments at end of line" };
  return { all: false, criteria, text: criteria.map((c) => `${cap(c.attribute)} ${c.patterns}`).join(" ") };
}

function cap(a: MatchAttribute): string {
  return {
    user: "User",
    group: "Group",
    host: "Host",
    address: "Address",
    localaddress: "LocalAddress",
    localport: "LocalPort",
  }[a];
}

/** a2port(): 0 to 65535, decimal. */
function toPort(s: string): number | undefined {
  if (!/^\+?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

/** Whether a connection satisfies a Match line (match_cfg_line with every field known). */
export function conditionMatches(condition: MatchCondition, conn: SshdConnection): boolean {
  if (condition.all) return true;
  return !condition.never && condition.criteria.every((c) => criterionMatches(c, conn));
}

export function criterionMatches(c: MatchCriterion, conn: SshdConnection): boolean {
  switch (c.attribute) {
    case "user":
      return patternListOf(c, false).match(conn.user) === 1;
    case "group":
      return groupsMatch(conn.groups, patternListOf(c, false));
    case "host":
      return patternListOf(c, true).match(conn.host.toLowerCase()) === 1;
    case "address":
      return addressMatchList(conn.address, c.patterns) === 1;
    case "localaddress":
      return addressMatchList(conn.localAddress, c.patterns) === 1;
    case "localport":
      return toPort(c.patterns) === conn.localPort;
  }
}

/** A pattern list compiled once per Match criterion (a configuration is judged for many connections). */
const compiledLists = new WeakMap<MatchCriterion, PatternList>();
function patternListOf(c: MatchCriterion, lower: boolean): PatternList {
  let list = compiledLists.get(c);
  if (!list) {
    list = compilePatternList(c.patterns, lower);
    compiledLists.set(c, list);
  }
  return list;
}

/** ga_match_pattern_list(): some group matches, and none is excluded by a negated pattern. */
function groupsMatch(groups: readonly string[], list: PatternList): boolean {
  let found = false;
  for (const g of groups) {
    const r = list.match(g);
    if (r === -1) return false;
    if (r === 1) found = true;
  }
  return found;
}

export interface PatternList {
  match(s: string): -1 | 0 | 1;
}

/**
 * match_pattern_list(): 1 when some pattern matches and no negated one does, -1 when a negated
 * one matches, 0 otherwise. `*` and `?` are the only wildcards; a pattern longer than 1022
 * characters fails the whole list. `lowerPatterns` lower-cases the patterns (host names).
 */
export function compilePatternList(list: string, lowerPatterns: boolean): PatternList {
  const patterns: Array<{ negated: boolean; matcher: Matcher }> = [];
  for (const raw of list.split(",")) {
    const negated = raw.startsWith("!");
    let pattern = negated ? raw.slice(1) : raw;
    if (pattern.length >= 1023) return { match: () => 0 };
    if (lowerPatterns) pattern = pattern.replace(/[A-Z]/g, (c) => c.toLowerCase());
    patterns.push({ negated, matcher: compileWildcard(pattern) });
  }
  return {
    match(s) {
      let positive = false;
      for (const p of patterns)
        if (p.matcher.test(s)) {
          if (p.negated) return -1;
          positive = true;
        }
      return positive ? 1 : 0;
    },
  };
}

export function matchPatternList(s: string, list: string, lowerPatterns: boolean): -1 | 0 | 1 {
  return compilePatternList(list, lowerPatterns).match(s);
}

/** Parsed addresses, CIDR entries and address wildcards, shared by every connection judged. */
const addresses = new Map<string, Address | undefined>();
const cidrs = new Map<string, ReturnType<typeof readCidr>>();
const addressPatterns = new Map<string, Matcher>();
function remember<V>(cache: Map<string, V>, key: string, make: () => V): V {
  if (cache.has(key)) return cache.get(key) as V;
  if (cache.size >= 100_000) cache.clear();
  const v = make();
  cache.set(key, v);
  return v;
}

/** An address as addr.c holds it: family and bytes. */
interface Address {
  v6: boolean;
  bytes: number[];
}

/** inet_aton(): one to four parts, each decimal, 0x hex or 0 octal; the last fills the rest. */
function parseIPv4(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length > 4) return undefined;
  const values: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) v = p.length === 2 ? 0 : Number.parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) v = Number.parseInt(p, 8);
    else if (/^[1-9]\d*$/.test(p)) v = Number(p);
    else return undefined;
    values.push(v);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 256 ** (4 - values.length)) return undefined;
  const bytes = [...values];
  for (let i = 3 - values.length; i >= 0; i--) bytes.push(Math.floor(last / 256 ** i) % 256);
  return bytes;
}

/** inet_pton(AF_INET6), with a trailing dotted quad; a "%scope" suffix is dropped. */
function parseIPv6(s: string): number[] | undefined {
  const text = s.replace(/%.*$/, "");
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    const pieces = part.split(":");
    for (const [i, p] of pieces.entries()) {
      if (i === pieces.length - 1 && p.includes(".")) {
        if (!/^(\d{1,3})(\.\d{1,3}){3}$/.test(p)) return undefined;
        const q = p.split(".").map(Number);
        if (q.some((n, k) => n > 255 || (p.split(".")[k]!.length > 1 && p.split(".")[k]!.startsWith("0"))))
          return undefined;
        out.push(q[0]! * 256 + q[1]!, q[2]! * 256 + q[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(Number.parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  let words: number[];
  if (halves.length === 2) {
    if (head.length + tail.length > 7) return undefined;
    words = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    words = head;
  }
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** addr_pton(): a numeric IPv4 or IPv6 address. */
function parseAddress(s: string): Address | undefined {
  return remember(addresses, s, () => readAddress(s));
}

function readAddress(s: string): Address | undefined {
  if (s.includes(":")) {
    const b = parseIPv6(s);
    return b ? { v6: true, bytes: b } : undefined;
  }
  const b = parseIPv4(s);
  return b ? { v6: false, bytes: b } : undefined;
}

/** addr_pton_cidr(): -1 when not an address (then a wildcard pattern), -2 for a bad mask. */
function parseCidr(s: string): { net: Address; masklen: number } | -1 | -2 {
  return remember(cidrs, s, () => readCidr(s));
}

function readCidr(s: string): { net: Address; masklen: number } | -1 | -2 {
  if (s.length >= 64) return -1;
  const slash = s.indexOf("/");
  let masklen: number | undefined;
  let addrText = s;
  if (slash >= 0) {
    const m = s.slice(slash + 1);
    if (!/^\d+$/.test(m) || Number(m) > 128) return -1;
    masklen = Number(m);
    addrText = s.slice(0, slash);
  }
  const net = parseAddress(addrText);
  if (!net) return -1;
  const bits = net.v6 ? 128 : 32;
  masklen ??= bits;
  if (masklen > bits) return -2;
  if (!net.bytes.every((b, i) => (b & hostMaskByte(i, masklen)) === 0)) return -2;
  return { net, masklen };
}

/** The host part of byte i under a mask of `masklen` bits. */
function hostMaskByte(i: number, masklen: number): number {
  const netBits = Math.min(8, Math.max(0, masklen - i * 8));
  return 0xff >> netBits;
}

function inNetwork(a: Address, net: Address, masklen: number): boolean {
  if (a.v6 !== net.v6) return false;
  return a.bytes.every((b, i) => (b & ~hostMaskByte(i, masklen) & 0xff) === net.bytes[i]);
}

/**
 * addr_match_list(): 1 when the address is in some entry (CIDR first, else a wildcard pattern
 * over the address as written) and no negated entry; -1 when a negated entry matches; -2 for an
 * empty entry or an inconsistent mask; 0 otherwise. Without an address it only checks the list.
 */
export function addressMatchList(address: string | undefined, list: string): 1 | 0 | -1 | -2 {
  const addr = address === undefined ? undefined : parseAddress(address);
  if (address !== undefined && addr === undefined) return 0;
  let result: 1 | 0 = 0;
  for (const raw of list.split(",")) {
    const negated = raw.startsWith("!");
    const entry = negated ? raw.slice(1) : raw;
    if (entry === "") return -2;
    const cidr = parseCidr(entry);
    if (cidr === -2) return -2;
    let hit = false;
    if (cidr !== -1) hit = addr !== undefined && inNetwork(addr, cidr.net, cidr.masklen);
    else
      hit =
        address !== undefined && remember(addressPatterns, entry, () => compileWildcard(entry)).test(address);
    if (hit) {
      if (negated) return -1;
      result = 1;
    }
  }
  return result;
}
