import type { InspectContext, Inspector } from "./context.js";
import {
  appliesAtStartup,
  type ConfigEntry,
  chainText,
  type MatchBlock,
  type ParsedConfig,
  parseSshdConfig,
  SSHD_CONFIG,
  type SshdRefusal,
} from "./sshd-config.js";
import {
  chainMayApplyToUser,
  matchesEveryConnection,
  representativeConnections,
} from "./sshd-connections.js";
import { authenticationMethodsLine, keywordKey, keywordSpelling, SSHD_KEYWORDS } from "./sshd-keywords.js";
import { conditionMatches, parseMatchLine, type SshdConnection } from "./sshd-match.js";

export type { MatchBlock, SshdConnection, SshdRefusal };

// CONTRACT (the sshd helper implements this file; other inspectors rely on these fields).

export interface SshdSetting {
  /** Keyword as OpenSSH spells it, e.g. "PasswordAuthentication". */
  keyword: string;
  value: string;
  /** Where it was set; absent when the value is OpenSSH's built-in default. */
  path?: string;
  line?: number;
  isDefault: boolean;
  /** The arguments as sshd splits them (quotes removed); the default's words when isDefault. */
  args: string[];
  /** Set inside a Match block that matches every connection (`Match all`, `Match User *`…). */
  matchAll?: boolean;
  /** The Match blocks it sits in, outermost first; [] or absent at the top level. */
  chain?: MatchBlock[];
}

export interface SshdConditionalSetting extends SshdSetting {
  /** The Match criteria line, e.g. "User backup" ("User bob and Match all" when nested by an Include). */
  match: string;
  chain: MatchBlock[];
}

export interface SshdFacts {
  /** sshd is present (binary or configuration). */
  installed: boolean;
  /** Config files in the order sshd reads them (main file, then Includes as they are reached). */
  files: string[];
  /** sshd would refuse to start with this configuration: no SSH at all. */
  refused?: SshdRefusal;
  /**
   * The value of a keyword (case-insensitive) for a connection that only Match blocks matching
   * every connection apply to: the first such block's value, else the first top-level value
   * (global-only keywords: the first value sshd reads at start, `Match all` blocks included),
   * else OpenSSH's default.
   */
  get(keyword: string): SshdSetting | undefined;
  /** Every line of a keyword sshd applies at start (top level and `Match all`), in reading order. */
  all(keyword: string): SshdSetting[];
  /** Settings inside Match blocks other than `Match all` (they apply only to matching connections). */
  conditional: SshdConditionalSetting[];
  /** The value sshd uses for one connection: what `sshd -T -C user=…,addr=…` prints. */
  forConnection(keyword: string, connection: SshdConnection): SshdSetting | undefined;
  /** Why (and at which line) sshd would drop this connection while applying its Match blocks, if it would. */
  connectionError(connection: SshdConnection): SshdRefusal | undefined;
  /** Connections that tell this configuration's Match blocks apart, root's among them. */
  connections: SshdConnection[];
  /** AuthorizedKeysFile patterns expanded for one user (%h, %u, %U, %%; relative = under home). */
  authorizedKeysFiles(user: { name: string; home: string; uid?: number }): string[];
}

/** OpenSSH's built-in defaults (upstream, not a distribution's shipped file). */
const DEFAULTS = new Map<string, string>([
  ["passwordauthentication", "yes"],
  // prohibit-password since OpenSSH 7.0; "without-password" is its older name.
  ["permitrootlogin", "prohibit-password"],
  ["permitemptypasswords", "no"],
  ["kbdinteractiveauthentication", "yes"],
  ["usepam", "no"],
  ["pubkeyauthentication", "yes"],
  ["hostbasedauthentication", "no"],
  ["gssapiauthentication", "no"],
  ["permituserenvironment", "no"],
  ["authorizedkeysfile", ".ssh/authorized_keys .ssh/authorized_keys2"],
]);

function isGlobalOnly(key: string): boolean {
  return SSHD_KEYWORDS.get(key)?.globalOnly ?? true;
}

/** Keywords whose values sshd compares case-insensitively (yes/no and other fixed words). */
function isWordValued(key: string): boolean {
  const args = SSHD_KEYWORDS.get(key)?.args;
  return args === "flag" || Array.isArray(args);
}

function toSetting(e: ConfigEntry): SshdSetting {
  const key = keywordKey(e.keyword);
  const raw = e.args.join(" ");
  return {
    keyword: keywordSpelling(e.keyword),
    value: isWordValued(key) ? raw.toLowerCase() : raw,
    path: e.path,
    line: e.line,
    isDefault: false,
    args: e.args,
    ...(e.chain.length > 0 ? { chain: e.chain } : {}),
  };
}

/** sshd keeps the first line of a keyword; a line with no arguments (only a comment) sets nothing. */
function setsValue(e: ConfigEntry): boolean {
  return e.args.length > 0;
}

function defaultOf(key: string, written: string): SshdSetting | undefined {
  const value = DEFAULTS.get(key);
  if (value === undefined) return undefined;
  return { keyword: keywordSpelling(written), value, isDefault: true, args: value.split(" ") };
}

/** Builds the facts from a parsed configuration (exported for tests over small trees). */
export function sshdFactsFrom(
  parsed: ParsedConfig,
  installed: boolean,
  rootGroups: readonly string[] = ["root"],
): SshdFacts {
  const byKey = new Map<string, ConfigEntry[]>();
  for (const e of parsed.entries) {
    const key = keywordKey(e.keyword);
    const list = byKey.get(key);
    if (list) list.push(e);
    else byKey.set(key, [e]);
  }
  const settings = new Map<ConfigEntry, SshdSetting>(parsed.entries.map((e) => [e, toSetting(e)]));
  const setting = (e: ConfigEntry) => settings.get(e)!;
  const atStartup = (key: string) => (byKey.get(key) ?? []).filter((e) => appliesAtStartup(e.chain));
  const startupEntry = (key: string) => atStartup(key).find(setsValue);

  const get = (keyword: string): SshdSetting | undefined => {
    const key = keywordKey(keyword);
    const entries = byKey.get(key) ?? [];
    const everyone = isGlobalOnly(key)
      ? undefined
      : entries.find((e) => setsValue(e) && e.chain.length > 0 && e.chain.every(matchesEveryConnection));
    const found = everyone ?? startupEntry(key);
    if (found) return { ...setting(found), ...(found.chain.length > 0 ? { matchAll: true } : {}) };
    return defaultOf(key, keyword);
  };
  // At connection time sshd reads the configuration again (from its include cache) and the first
  // matching Match value replaces the value it started with, for keywords allowed in Match blocks.
  const again = parsed.connectionEntries ?? parsed.entries;
  const againByKey = new Map<string, ConfigEntry[]>();
  for (const e of again) {
    const key = keywordKey(e.keyword);
    const list = againByKey.get(key);
    if (list) list.push(e);
    else againByKey.set(key, [e]);
    if (!settings.has(e)) settings.set(e, toSetting(e));
  }
  // Each block is tested once per connection, however many lines and keywords it holds.
  const tested = new WeakMap<SshdConnection, Map<MatchBlock, boolean>>();
  const applies = (e: ConfigEntry, conn: SshdConnection): boolean => {
    if (e.chain.length === 0) return false;
    let known = tested.get(conn);
    if (!known) {
      known = new Map();
      tested.set(conn, known);
    }
    const memo = known;
    return e.chain.every((b) => {
      let hit = memo.get(b);
      if (hit === undefined) {
        hit = conditionMatches(b, conn);
        memo.set(b, hit);
      }
      return hit;
    });
  };
  const forConnection = (keyword: string, conn: SshdConnection): SshdSetting | undefined => {
    const key = keywordKey(keyword);
    const matched = isGlobalOnly(key)
      ? undefined
      : (againByKey.get(key) ?? []).find((e) => setsValue(e) && applies(e, conn));
    const found = matched ?? startupEntry(key);
    return found ? setting(found) : defaultOf(key, keyword);
  };
  const connectionError = (conn: SshdConnection): SshdRefusal | undefined =>
    parsed.connectionRefusal ??
    authenticationMethodsPass(
      againByKey.get("authenticationmethods") ?? [],
      (e) => e.chain.length > 0 && e.chain.every((b) => conditionMatches(b, conn)),
    );
  const conditional: SshdConditionalSetting[] = parsed.entries
    .filter((e) => e.chain.length > 0 && !appliesAtStartup(e.chain))
    .map((e) => ({ ...setting(e), match: chainText(e.chain), chain: e.chain }));
  const refused = parsed.refusal ?? startupRefusal(byKey);
  return {
    installed,
    files: parsed.files,
    ...(refused ? { refused } : {}),
    get,
    all: (keyword) =>
      atStartup(keywordKey(keyword)).map((e) => ({
        ...setting(e),
        ...(e.chain.length > 0 ? { matchAll: true } : {}),
      })),
    conditional,
    forConnection,
    connectionError,
    connections: representativeConnections(
      parsed.entries.map((e) => e.chain),
      rootGroups,
    ),
    authorizedKeysFiles(user) {
      const patterns = [get("AuthorizedKeysFile")!.args];
      // A Match block may give this user other files; a scanner looks at those too.
      for (const c of conditional)
        if (keywordKey(c.keyword) === "authorizedkeysfile" && chainMayApplyToUser(c.chain, user.name))
          patterns.push(c.args);
      const out: string[] = [];
      for (const args of patterns)
        for (const p of args) {
          if (p.toLowerCase() === "none") continue;
          const expanded = expandTokens(p, user);
          if (expanded === undefined) continue;
          const abs = expanded.startsWith("/") ? expanded : `${user.home.replace(/\/+$/, "")}/${expanded}`;
          if (!out.includes(abs)) out.push(abs);
        }
      return out;
    },
  };
}

/**
 * One pass of sshd over the AuthenticationMethods lines (at start, or for one connection): the
 * lines that apply fill the pass's lists, and "any" after a list is refused.
 */
function authenticationMethodsPass(
  lines: readonly ConfigEntry[],
  applies: (e: ConfigEntry) => boolean,
): SshdRefusal | undefined {
  let held = 0;
  for (const e of lines) {
    const r = authenticationMethodsLine(e.args, held, applies(e));
    if ("error" in r) return { path: e.path, line: e.line, reason: r.error };
    held = r.held;
  }
  return undefined;
}

/** Which switch turns each authentication method on (auth2.c); "none" is always on. */
const METHOD_SWITCH: Record<string, string | undefined> = {
  publickey: "pubkeyauthentication",
  password: "passwordauthentication",
  "keyboard-interactive": "kbdinteractiveauthentication",
  hostbased: "hostbasedauthentication",
  "gssapi-with-mic": "gssapiauthentication",
};

/** What sshd checks once the whole configuration is read, with the values it starts with (sshd.c). */
function startupRefusal(byKey: Map<string, ConfigEntry[]>): SshdRefusal | undefined {
  const startup = (key: string) => (byKey.get(key) ?? []).filter((e) => appliesAtStartup(e.chain));
  const value = (key: string) =>
    startup(key).find(setsValue)?.args.join(" ").toLowerCase() ?? DEFAULTS.get(key);
  const anyError = authenticationMethodsPass(byKey.get("authenticationmethods") ?? [], (e) =>
    appliesAtStartup(e.chain),
  );
  if (anyError) return anyError;
  const names = new Set<string>();
  for (const e of startup("subsystem")) {
    if (names.has(e.args[0]!))
      return { path: e.path, line: e.line, reason: `Subsystem '${e.args[0]}' already defined` };
    names.add(e.args[0]!);
  }
  const am = startup("authenticationmethods").find(setsValue);
  if (am && !(am.args.length === 1 && am.args[0] === "any")) {
    const enabled = (m: string) => {
      const key = METHOD_SWITCH[m.split(":")[0]!];
      return key === undefined || value(key) === "yes";
    };
    if (!am.args.some((list) => list.split(",").every(enabled)))
      return {
        path: am.path,
        line: am.line,
        reason: `AuthenticationMethods ${am.args.join(" ")} cannot be satisfied by enabled authentication methods`,
      };
  }
  for (const [command, user] of [
    ["authorizedkeyscommand", "authorizedkeyscommanduser"],
    ["authorizedprincipalscommand", "authorizedprincipalscommanduser"],
  ] as const) {
    const c = startup(command).find(setsValue);
    if (c && c.args[0]!.toLowerCase() !== "none" && !startup(user).some(setsValue))
      return {
        path: c.path,
        line: c.line,
        reason: `${keywordSpelling(command)} set without ${keywordSpelling(user)}`,
      };
  }
  return undefined;
}

/** %% %h %u %U as sshd expands them for AuthorizedKeysFile; undefined when it cannot be expanded. */
export function expandTokens(
  pattern: string,
  user: { name: string; home: string; uid?: number },
): string | undefined {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c !== "%") {
      out += c;
      continue;
    }
    const t = pattern[++i];
    if (t === "%") out += "%";
    else if (t === "h") out += user.home;
    else if (t === "u") out += user.name;
    else if (t === "U" && user.uid !== undefined) out += String(user.uid);
    else return undefined;
  }
  return out;
}

/**
 * Whether the criteria of one Match line could apply to a user: its User patterns are checked
 * (wildcards, "!" negation, comma lists); criteria we cannot judge from the image (Address,
 * Host…) may apply.
 */
export function matchMayApply(criteria: string, user: string): boolean {
  const condition = parseMatchLine(criteria);
  if ("error" in condition) return false;
  return chainMayApplyToUser([{ ...condition, path: "", line: 0 }], user);
}

/** root's groups as sshd's Match Group sees them: its primary group and those that list it. */
async function rootGroups(ctx: InspectContext): Promise<string[]> {
  const accounts = await ctx.get("accounts");
  const gid = accounts.user("root")?.gid ?? 0;
  return accounts.groups.filter((g) => g.gid === gid || g.members.includes("root")).map((g) => g.name);
}

export const sshdInspector: Inspector<"sshd"> = {
  name: "sshd",
  description:
    "The effective sshd configuration: sshd_config and its Includes, first value wins, Match blocks, defaults",
  paths: ["/usr/sbin/sshd", SSHD_CONFIG, "/etc/ssh/sshd_config.d/*"],
  async inspect(ctx) {
    const parsed = await parseSshdConfig(ctx.image);
    for (const p of parsed.problems) ctx.unknown(p.path, p.line ? `line ${p.line}: ${p.error}` : p.error);
    const installed = (await ctx.image.exists("/usr/sbin/sshd")) || parsed.files.length > 0;
    return sshdFactsFrom(parsed, installed, await rootGroups(ctx));
  },
};
