/**
 * Random sshd configurations for the differential test against OpenSSH (src/inspect/
 * sshd.differential.test.ts): a main file with drop-ins, Includes (globs, relative and absolute
 * paths, nested, from inside Match blocks), Match blocks of every criterion (lists, wildcards,
 * negation, `all`), keyword case, quoting, "=" separators, comments, first-value-wins duplicates,
 * and now and then something sshd refuses. Deterministic for a seed.
 */

/** mulberry32: a small seeded generator, enough to replay a failing configuration from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Random, p: number) => r() < p;
const int = (r: Random, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

const FLAG = ["yes", "no"];
const VALUES: Record<string, readonly string[]> = {
  PasswordAuthentication: FLAG,
  KbdInteractiveAuthentication: FLAG,
  ChallengeResponseAuthentication: FLAG,
  PermitEmptyPasswords: FLAG,
  PubkeyAuthentication: FLAG,
  UsePAM: FLAG,
  HostbasedAuthentication: FLAG,
  GSSAPIAuthentication: FLAG,
  PermitRootLogin: ["yes", "no", "prohibit-password", "without-password", "forced-commands-only"],
  AuthenticationMethods: [
    "any",
    "publickey",
    "password",
    "publickey,password",
    "publickey,keyboard-interactive",
    "keyboard-interactive:pam",
    "publickey password",
    "password publickey,password",
    "none",
    "hostbased",
    "gssapi-with-mic publickey",
    "publickey,password publickey,keyboard-interactive",
  ],
  AuthorizedKeysFile: [
    ".ssh/authorized_keys",
    "/etc/ssh/keys/%u",
    ".ssh/authorized_keys .ssh/authorized_keys2",
    "none",
    '"/etc/ssh/keys dir/%u" .ssh/k',
  ],
  AuthorizedKeysCommand: ["/usr/local/bin/keys %u", "none", "/usr/bin/sss_ssh_authorizedkeys"],
  AuthorizedKeysCommandUser: ["nobody"],
};
/** How often each keyword is written: the ones the rules read most. */
const KEYWORDS: ReadonlyArray<[string, number]> = [
  ["PasswordAuthentication", 6],
  ["KbdInteractiveAuthentication", 3],
  ["ChallengeResponseAuthentication", 1],
  ["PermitRootLogin", 5],
  ["PermitEmptyPasswords", 2],
  ["AuthenticationMethods", 3],
  ["UsePAM", 2],
  ["PubkeyAuthentication", 2],
  ["HostbasedAuthentication", 1],
  ["GSSAPIAuthentication", 1],
  ["AuthorizedKeysFile", 2],
  ["AuthorizedKeysCommand", 1],
  ["AuthorizedKeysCommandUser", 2],
];
const KEYWORD_BAG = KEYWORDS.flatMap(([k, w]) => new Array<string>(w).fill(k));

const CRITERIA: Record<string, readonly string[]> = {
  User: [
    "root",
    "alice",
    "bob",
    "deploy",
    "*",
    "a*",
    "*,!root",
    "!root,*",
    "bob,deploy",
    "r??t",
    "ROOT",
    "carol,alice",
  ],
  Group: ["admins", "adm*", "sftponly", "*,!admins", "root", "nobody-group", "admins,sftponly"],
  Host: ["*.example.com", "admin.example.com", "*", "*,!ci.example.org", "CI.EXAMPLE.ORG", "*.home.*"],
  Address: [
    "10.0.0.0/8",
    "203.0.113.0/24",
    "2001:db8::/32",
    "*",
    "192.168.1.*",
    "10.0.0.0/8,!10.0.0.5",
    "10.0.0.5",
    "0.0.0.0/0",
    "198.51.100.7,203.0.113.9",
    "!203.0.113.7,*",
  ],
  LocalAddress: ["10.0.0.1", "192.0.2.0/24", "*", "2001:db8::1", "!10.0.0.1,*"],
  LocalPort: ["22", "2222", "443"],
};

/** Things sshd refuses to start with, a few lines each. */
const BREAKERS: readonly string[] = [
  "PasswordAuthentcation no",
  "PasswordAuthentication maybe",
  "PermitRootLogin no yes",
  "PermitRootLogin without_password",
  "AuthenticationMethods Password",
  "AuthenticationMethods publickey,",
  "AuthenticationMethods any publickey",
  'Banner "/etc/issue.net',
  "UseDNS",
  "MaxAuthTries many",
  "Port 0",
  "Match LocalPort ssh",
  "Match Address 10.0.0.1/8",
  "Match all User root",
  "Match Colour blue",
  "Match User",
  "Include",
  "Subsystem sftp",
];

function keywordCase(r: Random, k: string): string {
  const roll = r();
  if (roll < 0.7) return k;
  if (roll < 0.8) return k.toLowerCase();
  if (roll < 0.85) return k.toUpperCase();
  if (roll < 0.93) return `"${k}"`;
  return [...k].map((c) => (chance(r, 0.5) ? c.toUpperCase() : c.toLowerCase())).join("");
}

function valueText(r: Random, v: string): string {
  const roll = r();
  if (v.includes(" ") || v.includes('"')) return v;
  if (roll < 0.75) return v;
  if (roll < 0.85) return v.toUpperCase();
  if (roll < 0.92) return `"${v}"`;
  return `'${v}'`;
}

function separator(r: Random): string {
  return pick(r, [" ", " ", " ", "\t", "=", " = ", "  "]);
}

/** Global-only keywords inside a Match block make sshd refuse the file: now and then, not often. */
const GLOBAL_ONLY = new Set(["UsePAM"]);

function settingLine(r: Random, indent: boolean): string {
  let k = pick(r, KEYWORD_BAG);
  while (indent && GLOBAL_ONLY.has(k) && chance(r, 0.9)) k = pick(r, KEYWORD_BAG);
  const v = pick(r, VALUES[k]!);
  const lead = indent || chance(r, 0.1) ? pick(r, ["  ", "\t", " "]) : "";
  const comment = chance(r, 0.1) ? " # set by the build" : "";
  const written = keywordCase(r, k);
  // A quoted keyword takes no "=" after it ("unsupported option"): mostly a space, sometimes "=".
  const sep = written.startsWith('"') && chance(r, 0.95) ? " " : separator(r);
  // A command needs a user to run as, or sshd refuses to start: mostly given.
  const user =
    k === "AuthorizedKeysCommand" && chance(r, 0.7) ? `\n${lead}AuthorizedKeysCommandUser nobody` : "";
  return `${lead}${written}${sep}${valueText(r, v)}${comment}${user}`;
}

function matchLine(r: Random): string {
  if (chance(r, 0.12)) return pick(r, ["Match all", "Match All", "match all # everyone"]);
  const names = Object.keys(CRITERIA);
  const n = chance(r, 0.7) ? 1 : 2;
  const used = new Set<string>();
  const parts: string[] = [];
  while (parts.length < n) {
    const a = pick(r, names);
    if (used.has(a)) continue;
    used.add(a);
    const written = chance(r, 0.15) ? a.toLowerCase() : a;
    const patterns = pick(r, CRITERIA[a]!);
    parts.push(`${written}${chance(r, 0.1) ? "=" : " "}${chance(r, 0.08) ? `"${patterns}"` : patterns}`);
  }
  return `Match ${parts.join(" ")}`;
}

interface Budget {
  files: Record<string, string>;
  /** Files created so far, for unique names. */
  count: number;
  depth: number;
}

/** The lines of one file: settings, Match blocks, Includes of new files. */
function fileBody(r: Random, b: Budget, depth: number): string[] {
  const lines: string[] = [];
  let inMatch = false;
  for (let i = int(r, 1, 7); i > 0; i--) {
    const roll = r();
    if (roll < 0.55) lines.push(settingLine(r, inMatch));
    else if (roll < 0.72) {
      lines.push(matchLine(r));
      inMatch = true;
    } else if (roll < 0.85 && depth < 3 && b.count < 8) lines.push(includeLine(r, b, depth, inMatch));
    else if (roll < 0.92) lines.push(pick(r, ["", "# comment", "   # indented comment"]));
    else lines.push(settingLine(r, inMatch));
  }
  return lines;
}

function includeLine(r: Random, b: Budget, depth: number, _inMatch: boolean): string {
  const n = ++b.count;
  const roll = r();
  if (roll < 0.35) {
    // A drop-in directory: several files, some of which the glob leaves out.
    // Nested drop-in directories are new ones; a drop-in including its own directory is made apart.
    const dir = depth === 0 ? pick(r, ["sshd_config.d", "conf.d", "inc"]) : `inc/d${n}`;
    for (let i = int(r, 1, 3); i > 0; i--) {
      const name = pick(r, [
        `${int(r, 10, 99)}-part${n}.conf`,
        `${int(r, 10, 99)}-x${n}.conf`,
        `x${n}.conf.bak`,
        `.h${n}.conf`,
      ]);
      b.files[`${dir}/${name}`] = `${fileBody(r, b, depth + 1).join("\n")}\n`;
    }
    const pattern = pick(r, [`${dir}/*.conf`, `/etc/ssh/${dir}/*.conf`, `${dir}/[0-4]*.conf`, `${dir}/?0-*`]);
    return `Include ${pattern}`;
  }
  const rel = pick(r, [`inc/f${n}.conf`, `sub/dir/f${n}`, `f${n}.conf`]);
  b.files[rel] = `${fileBody(r, b, depth + 1).join("\n")}\n`;
  const written = roll < 0.7 ? rel : `/etc/ssh/${rel}`;
  return chance(r, 0.15) ? `Include ${written} does-not-exist-${n}.conf` : `Include ${written}`;
}

/** One configuration: files relative to /etc/ssh, sshd_config among them. */
export function generateSshdConfig(r: Random): Record<string, string> {
  const b: Budget = { files: {}, count: 0, depth: 0 };
  const main: string[] = [];
  if (chance(r, 0.6))
    main.push(pick(r, ["Include /etc/ssh/sshd_config.d/*.conf", "Include sshd_config.d/*.conf"]));
  if (main.length > 0)
    for (let i = int(r, 0, 3); i > 0; i--)
      b.files[`sshd_config.d/${int(r, 10, 99)}-d${i}.conf`] = `${fileBody(r, b, 1).join("\n")}\n`;
  main.push(...fileBody(r, b, 0));
  b.files.sshd_config = `${main.join("\n")}\n`;
  // Now and then something sshd refuses, somewhere.
  if (chance(r, 0.06)) {
    const names = Object.keys(b.files);
    const name = pick(r, names);
    const lines = b.files[name]!.split("\n");
    lines.splice(int(r, 0, lines.length - 1), 0, pick(r, BREAKERS));
    b.files[name] = lines.join("\n");
  }
  if (main[0]?.startsWith("Include") && chance(r, 0.04))
    // A copy of the main file dropped into its own drop-in directory: it includes that directory again.
    b.files[`sshd_config.d/${pick(r, ["00", "50", "99"])}-copy.conf`] =
      `Include /etc/ssh/sshd_config.d/*.conf\n${settingLine(r, false)}\n`;
  if (chance(r, 0.02)) b.files.sshd_config = `\uFEFF${b.files.sshd_config}`;
  // A file saved with Windows line endings: sshd strips the carriage returns as trailing blanks.
  if (chance(r, 0.05)) {
    const name = pick(r, Object.keys(b.files));
    b.files[name] = b.files[name]!.replaceAll("\n", "\r\n");
  }
  if (chance(r, 0.02)) b.files["loop.conf"] = "Include loop.conf\n";
  if (b.files["loop.conf"]) b.files.sshd_config += "Include loop.conf\n";
  return b.files;
}
