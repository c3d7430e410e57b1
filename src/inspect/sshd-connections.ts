import type { MatchBlock } from "./sshd-config.js";
import { type MatchAttribute, matchPatternList, type SshdConnection } from "./sshd-match.js";

/**
 * Connections that tell a configuration's Match blocks apart: root, a user named by each User
 * pattern, a member of each group a Group pattern names, someone no pattern names, and for each
 * of host, address, local address and port the values the patterns name plus one they do not.
 * Rules judge a configuration by what sshd does for each of them, so "a Match block re-enables
 * passwords for deploy" and "for everyone" are told apart by which connections it reaches.
 */

/** Values no pattern is likely to name (TEST-NET addresses, an .invalid host). */
const OTHER = {
  user: "amigate-someone",
  host: "client.amigate.invalid",
  address: ["192.0.2.10", "2001:db8::10"],
  localAddress: "198.51.100.10",
  localPort: 22,
};
/**
 * Enough for any configuration a person writes; for a larger one the longest lists of values are
 * cut until the combinations fit, and fewer still for thousands of Match blocks, so that judging
 * every block for every connection stays around a million tests.
 */
const MAX_CONNECTIONS = 256;
const MIN_CONNECTIONS = 8;
const MAX_BLOCK_TESTS = 1_000_000;

/** A value a wildcard pattern matches: each `*` and `?` filled with `fill`. */
function instance(pattern: string, fill: string): string {
  return pattern.replace(/[*?]/g, fill);
}

function tokens(chains: readonly (readonly MatchBlock[])[], attribute: MatchAttribute): string[] {
  const out = new Set<string>();
  for (const chain of chains)
    for (const block of chain)
      for (const c of block.criteria)
        if (c.attribute === attribute)
          for (const raw of c.patterns.split(",")) out.add(raw.startsWith("!") ? raw.slice(1) : raw);
  return [...out];
}

/** The first address of a network ("10.0.0.0/8" → "10.0.0.0"), or a wildcard pattern filled in. */
function addressInstance(token: string): string {
  return instance(token.replace(/\/.*$/, ""), "1");
}

export function representativeConnections(
  chains: readonly (readonly MatchBlock[])[],
  rootGroups: readonly string[],
): SshdConnection[] {
  const users = new Map<string, readonly string[]>([["root", rootGroups]]);
  for (const t of tokens(chains, "user")) if (!users.has(instance(t, "x"))) users.set(instance(t, "x"), []);
  for (const t of tokens(chains, "group"))
    users.set(`amigate-member-of-${instance(t, "x")}`, [instance(t, "x")]);
  users.set(OTHER.user, []);
  const hosts = [
    ...new Set([...tokens(chains, "host").map((t) => instance(t, "x").toLowerCase()), OTHER.host]),
  ];
  const addresses = [...new Set([...tokens(chains, "address").map(addressInstance), ...OTHER.address])];
  const localAddresses = [
    ...new Set([...tokens(chains, "localaddress").map(addressInstance), OTHER.localAddress]),
  ];
  const ports = [...new Set([...tokens(chains, "localport").map(Number), OTHER.localPort])];
  const blocks = new Set(chains.flat()).size;
  const limit = Math.max(
    MIN_CONNECTIONS,
    Math.min(MAX_CONNECTIONS, Math.floor(MAX_BLOCK_TESTS / Math.max(1, blocks))),
  );
  const userList = [...users];
  const dims = [userList, hosts, addresses, localAddresses, ports] as unknown[][];
  while (dims.reduce((n, d) => n * d.length, 1) > limit) {
    const longest = dims.reduce((a, b) => (b.length > a.length ? b : a));
    // Keep root (the first user) and the values no pattern names (the last ones).
    longest.splice(Math.max(1, Math.floor(longest.length / 2) - 1), Math.ceil(longest.length / 2));
  }
  const out: SshdConnection[] = [];
  for (const [user, groups] of userList)
    for (const host of hosts)
      for (const address of addresses)
        for (const localAddress of localAddresses)
          for (const localPort of ports) out.push({ user, groups, host, address, localAddress, localPort });
  return out;
}

/**
 * Whether a block matches every connection: `Match all`, or criteria that each match anything
 * (User, Host, Address or LocalAddress `*` with no exception).
 */
export function matchesEveryConnection(block: MatchBlock): boolean {
  if (block.all) return true;
  if (block.never) return false;
  return block.criteria.every((c) => {
    if (c.attribute === "group" || c.attribute === "localport") return false;
    const list = c.patterns.split(",");
    return !list.some((p) => p.startsWith("!")) && list.some((p) => /^\*+$/.test(p));
  });
}

/** Whether a chain of blocks can apply to a user, judged by its User criteria only. */
export function chainMayApplyToUser(chain: readonly MatchBlock[], user: string): boolean {
  return chain.every(
    (b) =>
      !b.never &&
      b.criteria.every((c) => c.attribute !== "user" || matchPatternList(user, c.patterns, false) === 1),
  );
}
