/**
 * The keywords OpenSSH 9.2's sshd accepts (Debian 12's openssh-server), which of them may appear
 * inside a Match block, and what each accepts as arguments. Any other keyword makes sshd refuse
 * to start ("Bad configuration option"). The list and the Match flags were read from the real
 * binary: every keyword tried at the top level and inside a Match block (`sshd -T`), checked
 * against sshd_config(5); spellings are the manual's (old names are written as they were).
 */

/** What a keyword's arguments must look like for sshd to load the file. */
export type ArgumentRule =
  /** yes or no, any case. */
  | "flag"
  /** Exactly one non-negative integer. */
  | "int"
  /** Exactly one time value (sshd_config(5) TIME FORMATS). */
  | "time"
  /** Exactly one port, 1 to 65535. */
  | "port"
  /** Exactly one non-empty argument; what sshd checks beyond that (key types, ciphers) is not. */
  | "word"
  /** Any number of arguments, none empty. */
  | "words"
  /** Any number of arguments, empty ones included (ForceCommand, VersionAddendum). */
  | "text"
  /** Deprecated or unsupported: sshd logs it and skips its arguments. */
  | "ignored"
  /** An absolute path or "none", with the rest of the line as its arguments. */
  | "command"
  | "authentication-methods"
  /** A subsystem name and its command (with arguments); a name defined twice is refused. */
  | "subsystem"
  | "include"
  | "match"
  /** Always refused by this build ("setting RDomain not supported on this platform"). */
  | "refused"
  /** Exactly one of these words, any case. */
  | readonly string[];

export interface SshdKeyword {
  /** As sshd_config(5) spells it. */
  name: string;
  /** sshd refuses it inside a Match block ("Directive … is not allowed within a Match block"). */
  globalOnly: boolean;
  args: ArgumentRule;
  /** The keyword it is another name for (ChallengeResponseAuthentication is KbdInteractiveAuthentication). */
  aliasOf?: string;
}

const FORWARDING = ["yes", "all", "no", "local", "remote"];
const LOG_LEVELS = ["quiet", "fatal", "error", "info", "verbose", "debug", "debug1", "debug2", "debug3"];
const FACILITIES = [
  "daemon",
  "user",
  "auth",
  "authpriv",
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((n) => `local${n}`),
];

/** [name, global only, arguments, alias of]. */
const TABLE: ReadonlyArray<readonly [string, boolean, ArgumentRule, string?]> = [
  ["AcceptEnv", false, "words"],
  ["AddressFamily", true, ["any", "inet", "inet6"]],
  ["AFSTokenPassing", true, "ignored"],
  ["AllowAgentForwarding", false, "flag"],
  ["AllowGroups", false, "words"],
  ["AllowStreamLocalForwarding", false, FORWARDING],
  ["AllowTcpForwarding", false, FORWARDING],
  ["AllowUsers", false, "words"],
  ["AuthenticationMethods", false, "authentication-methods"],
  ["AuthorizedKeysCommand", false, "command"],
  ["AuthorizedKeysCommandUser", false, "word"],
  ["AuthorizedKeysFile", false, "words"],
  ["AuthorizedKeysFile2", false, "ignored"],
  ["AuthorizedPrincipalsCommand", false, "command"],
  ["AuthorizedPrincipalsCommandUser", false, "word"],
  ["AuthorizedPrincipalsFile", false, "word"],
  ["Banner", false, "word"],
  ["CASignatureAlgorithms", false, "word"],
  ["ChallengeResponseAuthentication", false, "flag", "KbdInteractiveAuthentication"],
  ["ChannelTimeout", false, "words"],
  ["CheckMail", true, "ignored"],
  ["ChrootDirectory", false, "word"],
  ["Ciphers", true, "word"],
  ["ClientAliveCountMax", false, "int"],
  ["ClientAliveInterval", false, "time"],
  ["Compression", true, ["yes", "delayed", "no"]],
  ["DebianBanner", true, "flag"],
  ["DenyGroups", false, "words"],
  ["DenyUsers", false, "words"],
  ["DisableForwarding", false, "flag"],
  ["DSAAuthentication", true, "flag", "PubkeyAuthentication"],
  ["ExposeAuthInfo", false, "flag"],
  ["FingerprintHash", true, ["md5", "sha256"]],
  ["ForceCommand", false, "text"],
  ["GatewayPorts", false, ["yes", "no", "clientspecified"]],
  ["GSSAPIAuthentication", false, "flag"],
  ["GSSAPICleanupCredentials", true, "flag"],
  ["GSSAPICleanupCreds", true, "flag", "GSSAPICleanupCredentials"],
  ["GSSAPIKexAlgorithms", true, "word"],
  ["GSSAPIKeyExchange", true, "flag"],
  ["GSSAPIStoreCredentialsOnRekey", true, "flag"],
  ["GSSAPIStrictAcceptorCheck", true, "flag"],
  ["GSSAPIUseSessionCredCache", true, "ignored"],
  ["GSSUseSessionCCache", true, "ignored"],
  ["HostbasedAcceptedAlgorithms", false, "word"],
  ["HostbasedAcceptedKeyTypes", false, "word", "HostbasedAcceptedAlgorithms"],
  ["HostbasedAuthentication", false, "flag"],
  ["HostbasedUsesNameFromPacketOnly", false, "flag"],
  ["HostCertificate", true, "word"],
  ["HostDSAKey", true, "word", "HostKey"],
  ["HostKey", true, "word"],
  ["HostKeyAgent", true, "word"],
  ["HostKeyAlgorithms", true, "word"],
  ["IgnoreRhosts", false, ["yes", "no", "shosts-only"]],
  ["IgnoreUserKnownHosts", true, "flag"],
  ["Include", false, "include"],
  ["IPQoS", false, "words"],
  ["KbdInteractiveAuthentication", false, "flag"],
  ["KeepAlive", true, "flag", "TCPKeepAlive"],
  ["KerberosAuthentication", false, "flag"],
  ["KerberosGetAFSToken", true, "ignored"],
  ["KerberosOrLocalPasswd", true, "flag"],
  ["KerberosTgtPassing", true, "ignored"],
  ["KerberosTicketCleanup", true, "flag"],
  ["KexAlgorithms", true, "word"],
  ["KeyRegenerationInterval", true, "ignored"],
  ["ListenAddress", true, "words"],
  ["LoginGraceTime", true, "time"],
  ["LogLevel", false, LOG_LEVELS],
  ["LogVerbose", false, "words"],
  ["MACs", true, "word"],
  ["Match", false, "match"],
  ["MaxAuthTries", false, "int"],
  ["MaxSessions", false, "int"],
  ["MaxStartups", true, "word"],
  ["ModuliFile", true, "word"],
  ["PAMAuthenticationViaKbdInt", true, "ignored"],
  ["PasswordAuthentication", false, "flag"],
  ["PermitBlacklistedKeys", true, "ignored"],
  ["PermitEmptyPasswords", false, "flag"],
  ["PermitListen", false, "words"],
  ["PermitOpen", false, "words"],
  ["PermitRootLogin", false, ["yes", "no", "prohibit-password", "without-password", "forced-commands-only"]],
  ["PermitTTY", false, "flag"],
  ["PermitTunnel", false, ["yes", "point-to-point", "ethernet", "no"]],
  ["PermitUserEnvironment", true, "word"],
  ["PermitUserRC", false, "flag"],
  ["PerSourceMaxStartups", true, "word"],
  ["PerSourceNetBlockSize", true, "word"],
  ["PidFile", true, "word"],
  ["Port", true, "port"],
  ["PrintLastLog", true, "flag"],
  ["PrintMotd", true, "flag"],
  ["Protocol", true, "ignored"],
  ["PubkeyAcceptedAlgorithms", false, "word"],
  ["PubkeyAcceptedKeyTypes", false, "word", "PubkeyAcceptedAlgorithms"],
  ["PubkeyAuthentication", false, "flag"],
  ["PubkeyAuthOptions", false, "words"],
  ["RDomain", false, "refused"],
  ["RekeyLimit", false, "words"],
  ["RequiredRSASize", false, "int"],
  ["ReverseMappingCheck", true, "ignored"],
  ["RevokedKeys", false, "word"],
  ["RhostsAuthentication", true, "ignored"],
  ["RhostsRSAAuthentication", false, "ignored"],
  ["RSAAuthentication", false, "ignored"],
  ["SecurityKeyProvider", true, "word"],
  ["ServerKeyBits", true, "ignored"],
  ["SetEnv", false, "words"],
  ["SkeyAuthentication", false, "flag", "KbdInteractiveAuthentication"],
  ["StreamLocalBindMask", false, "word"],
  ["StreamLocalBindUnlink", false, "flag"],
  ["StrictModes", true, "flag"],
  ["Subsystem", true, "subsystem"],
  ["SyslogFacility", true, FACILITIES],
  ["TCPKeepAlive", true, "flag"],
  ["TrustedUserCAKeys", false, "word"],
  ["UnusedConnectionTimeout", false, "word"],
  ["UseDNS", true, "flag"],
  ["UseLogin", true, "ignored"],
  ["UsePAM", true, "flag"],
  ["UsePrivilegeSeparation", true, "ignored"],
  ["VerifyReverseMapping", true, "ignored"],
  ["VersionAddendum", true, "text"],
  ["X11DisplayOffset", false, "int"],
  ["X11Forwarding", false, "flag"],
  ["X11UseLocalhost", false, "flag"],
  ["XAuthLocation", true, "word"],
];

/**
 * Keywords of later OpenSSH releases (9.8: PerSourcePenalties…, 10.0: RefuseConnection, SshdAuthPath).
 * OpenSSH 9.2 refuses them, a newer sshd takes them: they are taken, not judged, so an image with
 * a newer OpenSSH is not charged for them.
 */
const LATER: readonly string[] = [
  "PerSourcePenalties",
  "PerSourcePenaltyExemptList",
  "RefuseConnection",
  "SshdAuthPath",
  "SshdSessionPath",
];

export const SSHD_KEYWORDS: ReadonlyMap<string, SshdKeyword> = new Map(
  [...TABLE, ...LATER.map((name) => [name, false, "text"] as const)].map(
    ([name, globalOnly, args, aliasOf]) => [
      name.toLowerCase(),
      { name, globalOnly, args, ...(aliasOf ? { aliasOf } : {}) },
    ],
  ),
);

/** The keyword a name stands for, lower-cased ("challengeresponseauthentication" → "kbdinteractiveauthentication"). */
export function keywordKey(name: string): string {
  const lower = name.toLowerCase();
  return SSHD_KEYWORDS.get(lower)?.aliasOf?.toLowerCase() ?? lower;
}

/** OpenSSH's spelling of a keyword (its alias target for old names), or the name as given. */
export function keywordSpelling(name: string): string {
  const k = SSHD_KEYWORDS.get(keywordKey(name));
  return k?.name ?? name;
}

const INT_MAX = 2 ** 31 - 1;
const TIME = /^(?:\+?\d+[sSmMhHdDwW]?)+$/;

function integerOk(s: string): boolean {
  return /^\+?\d+$/.test(s) && Number(s) <= INT_MAX;
}

/** Why sshd refuses these arguments for this keyword, or undefined when it takes them. */
export function argumentError(keyword: SshdKeyword, args: readonly string[]): string | undefined {
  const rule = keyword.args;
  const one = (): string | undefined => {
    if (args.length === 0 || args[0] === "") return "missing argument";
    if (args.length > 1) return "extra arguments at end of line";
    return undefined;
  };
  if (Array.isArray(rule)) {
    const e = one();
    if (e) return e;
    return rule.includes(args[0]!.toLowerCase()) ? undefined : `unsupported option "${args[0]}"`;
  }
  switch (rule) {
    case "flag":
      return one() ?? (/^(yes|no)$/i.test(args[0]!) ? undefined : `unsupported option "${args[0]}"`);
    case "int":
      return one() ?? (integerOk(args[0]!) ? undefined : "integer value invalid");
    case "time":
      return one() ?? (TIME.test(args[0]!) && timeOk(args[0]!) ? undefined : "invalid time value");
    case "port": {
      const e = one();
      if (e) return e;
      return /^\+?\d+$/.test(args[0]!) && Number(args[0]) >= 1 && Number(args[0]) <= 65535
        ? undefined
        : "Badly formatted port number";
    }
    case "word":
      return one();
    case "words":
      return args.includes("") ? "empty argument" : undefined;
    case "text":
    case "ignored":
      return undefined;
    case "authentication-methods": {
      const r = authenticationMethodsLine(args, 0, false);
      return "error" in r ? r.error : undefined;
    }
    case "command":
      if (args.length === 0 || !(args[0]!.startsWith("/") || args[0]!.toLowerCase() === "none"))
        return `${keyword.name} must be an absolute path`;
      return undefined;
    case "subsystem":
      if (args.length === 0 || args[0] === "") return "Subsystem missing argument";
      return args.length < 2 || args[1] === "" ? "Missing subsystem command" : undefined;
    case "refused":
      return `setting ${keyword.name} not supported on this platform`;
    default:
      // include and match have their own readers.
      return undefined;
  }
}

/** convtime(): each number with its unit must stay within an int, and so must the total. */
function timeOk(s: string): boolean {
  const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const [, n, unit] of s.matchAll(/\+?(\d+)([a-zA-Z]?)/g)) {
    const secs = Number(n) * (unit ? UNIT[unit.toLowerCase()]! : 1);
    if (Number(n) > INT_MAX || secs > INT_MAX) return false;
    total += secs;
    if (total > INT_MAX) return false;
  }
  return true;
}

/** The authentication methods sshd knows (auth2.c); a list naming another is refused. */
export const AUTH_METHODS = [
  "none",
  "publickey",
  "password",
  "keyboard-interactive",
  "hostbased",
  "gssapi-with-mic",
];

/** Whether sshd knows every method of one comma-separated list ("keyboard-interactive:pam" is keyboard-interactive). */
export function methodListValid(list: string): boolean {
  return list !== "" && list.split(",").every((m) => AUTH_METHODS.includes(m.split(":")[0]!));
}

/**
 * One AuthenticationMethods line as servconf.c reads it in one pass over the configuration: "any"
 * (exactly so written) must stand alone, and also fails once the pass holds any method list; the
 * first line that applies in the pass keeps its lists. `held` is the number of lists the pass
 * holds before the line; the result says how many it holds after, or why sshd stops.
 */
export function authenticationMethodsLine(
  args: readonly string[],
  held: number,
  applies: boolean,
): { error: string } | { held: number } {
  if (args.length === 0) return { error: "no AuthenticationMethods specified" };
  const first = held === 0;
  let seenAny = false;
  for (const list of args) {
    if (list === "any") {
      if (held > 0) return { error: '"any" must appear alone in AuthenticationMethods' };
      seenAny = true;
    } else if (seenAny) return { error: '"any" must appear alone in AuthenticationMethods' };
    else if (!methodListValid(list)) return { error: "invalid AuthenticationMethods method list" };
    if (first && applies) held++;
  }
  return { held };
}
