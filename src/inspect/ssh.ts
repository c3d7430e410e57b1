import { compileWildcard, type WildcardSyntax } from "../match/wildcard.js";
import type { Inspector } from "./context.js";
import { type ConfigEntry, type ParsedConfig, parseSshdConfig, SSHD_CONFIG } from "./sshd-config.js";

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
  /** Set inside a `Match all` block: it overrides the global value for every connection. */
  matchAll?: boolean;
}

export interface SshdConditionalSetting extends SshdSetting {
  /** The Match criteria line, e.g. "User backup". */
  match: string;
}

export interface SshdFacts {
  /** sshd is present (binary or configuration). */
  installed: boolean;
  /** Config files in the order sshd reads them (main file, then Includes as they are reached). */
  files: string[];
  /** The effective global value of a keyword (case-insensitive): first value wins, defaults applied. */
  get(keyword: string): SshdSetting | undefined;
  /** Every unconditional line of a keyword in reading order (multi-value keywords, losing lines). */
  all(keyword: string): SshdSetting[];
  /** Settings inside Match blocks (they apply only to matching connections). */
  conditional: SshdConditionalSetting[];
  /** AuthorizedKeysFile patterns expanded for one user (%h, %u, %U, %%; relative = under home). */
  authorizedKeysFiles(user: { name: string; home: string; uid?: number }): string[];
}

/** OpenSSH's spelling of the keywords rules and other inspectors ask for (sshd_config(5)). */
const SPELLING = [
  "AcceptEnv",
  "AllowGroups",
  "AllowTcpForwarding",
  "AllowUsers",
  "AuthenticationMethods",
  "AuthorizedKeysCommand",
  "AuthorizedKeysCommandUser",
  "AuthorizedKeysFile",
  "AuthorizedPrincipalsFile",
  "Banner",
  "ChallengeResponseAuthentication",
  "DenyGroups",
  "DenyUsers",
  "ForceCommand",
  "GatewayPorts",
  "GSSAPIAuthentication",
  "HostbasedAuthentication",
  "HostCertificate",
  "HostKey",
  "KbdInteractiveAuthentication",
  "KerberosAuthentication",
  "ListenAddress",
  "LogLevel",
  "MaxAuthTries",
  "PasswordAuthentication",
  "PermitEmptyPasswords",
  "PermitOpen",
  "PermitRootLogin",
  "PermitTTY",
  "PermitTunnel",
  "PermitUserEnvironment",
  "Port",
  "PrintMotd",
  "PubkeyAuthentication",
  "Subsystem",
  "TrustedUserCAKeys",
  "UsePAM",
  "X11Forwarding",
];
const CANONICAL = new Map(SPELLING.map((k) => [k.toLowerCase(), k]));

/** Old names sshd still accepts for a current keyword. */
const ALIASES = new Map([
  ["challengeresponseauthentication", "kbdinteractiveauthentication"],
  ["skeyauthentication", "kbdinteractiveauthentication"],
  ["dsaauthentication", "pubkeyauthentication"],
]);

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
  ["permituserenvironment", "no"],
  ["authorizedkeysfile", ".ssh/authorized_keys .ssh/authorized_keys2"],
]);

/** Keywords whose values sshd compares case-insensitively (yes/no style flags). */
const FLAGS = new Set([
  "passwordauthentication",
  "permitrootlogin",
  "permitemptypasswords",
  "kbdinteractiveauthentication",
  "usepam",
  "pubkeyauthentication",
  "hostbasedauthentication",
  "permituserenvironment",
  "x11forwarding",
  "allowtcpforwarding",
  "gssapiauthentication",
  "kerberosauthentication",
  "permittunnel",
  "permittty",
]);

function keyOf(keyword: string): string {
  const lower = keyword.toLowerCase();
  return ALIASES.get(lower) ?? lower;
}

function spell(key: string, written: string): string {
  return CANONICAL.get(key) ?? written;
}

function toSetting(e: ConfigEntry): SshdSetting {
  const key = keyOf(e.keyword);
  const raw = e.args.join(" ");
  return {
    keyword: spell(key, e.written),
    value: FLAGS.has(key) ? raw.toLowerCase() : raw,
    path: e.path,
    line: e.line,
    isDefault: false,
    args: e.args,
  };
}

const isMatchAll = (match: string | undefined) => match !== undefined && match.toLowerCase() === "all";

/** Builds the facts from a parsed configuration (exported for tests over small trees). */
export function sshdFactsFrom(parsed: ParsedConfig, installed: boolean): SshdFacts {
  const global = new Map<string, SshdSetting[]>();
  const overrides = new Map<string, SshdSetting>();
  const conditional: SshdConditionalSetting[] = [];
  for (const e of parsed.entries) {
    const key = keyOf(e.keyword);
    const setting = toSetting(e);
    if (e.match === undefined || isMatchAll(e.match)) {
      if (isMatchAll(e.match)) {
        setting.matchAll = true;
        // At connection time sshd re-reads Match blocks and their values replace the global ones.
        if (!overrides.has(key)) overrides.set(key, setting);
      }
      const list = global.get(key) ?? [];
      list.push(setting);
      global.set(key, list);
    } else conditional.push({ ...setting, match: e.match });
  }
  const get = (keyword: string): SshdSetting | undefined => {
    const key = keyOf(keyword);
    const found = overrides.get(key) ?? global.get(key)?.[0];
    if (found) return found;
    const value = DEFAULTS.get(key);
    if (value === undefined) return undefined;
    return { keyword: spell(key, keyword), value, isDefault: true, args: value.split(" ") };
  };
  return {
    installed,
    files: parsed.files,
    get,
    all: (keyword) => [...(global.get(keyOf(keyword)) ?? [])],
    conditional,
    authorizedKeysFiles(user) {
      const patterns = [get("AuthorizedKeysFile")!.args];
      // A Match block may give this user other files; a scanner looks at those too.
      for (const c of conditional)
        if (keyOf(c.keyword) === "authorizedkeysfile" && matchMayApply(c.match, user.name))
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
 * Whether a Match line could apply to a user: "User" patterns are checked (wildcards, "!"
 * negation, comma lists); criteria we cannot judge from the image (Address, Host…) may apply.
 */
export function matchMayApply(criteria: string, user: string): boolean {
  const words = criteria.split(/\s+/).filter((w) => w !== "");
  for (let i = 0; i + 1 < words.length; i += 2) {
    if (words[i]!.toLowerCase() !== "user") continue;
    if (!matchPatternList(user, words[i + 1]!)) return false;
  }
  return true;
}

/**
 * OpenSSH pattern lists ("a*,b?,!c"): `*` and `?`, everything else literal. As when this built a
 * RegExp with `.`, the wildcards do not match line terminators. Match lines are image bytes, so
 * they are matched without backtracking (src/match/wildcard.ts).
 */
const SSH_PATTERN: WildcardSyntax = { wildcardExcludes: "\n\r\u2028\u2029" };

function matchPatternList(name: string, list: string): boolean {
  let matched = false;
  for (const raw of list.split(",")) {
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    if (compileWildcard(pattern, SSH_PATTERN).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
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
    return sshdFactsFrom(parsed, installed);
  },
};
