import type { InspectContext, Inspector } from "./context.js";
import { readSudoers, SUDOERS_PATHS } from "./sudoers.js";
import { readOptionalText, splitLines } from "./text-files.js";

// CONTRACT (the accounts helper implements this file; other inspectors rely on these fields).

/** Where a value was read: image path and 1-based line. */
export interface Source {
  path: string;
  line: number;
}

/** The password field of an account as /etc/shadow (or /etc/passwd when no shadow entry) holds it. */
export type PasswordState =
  | { kind: "hash"; scheme: string } // usable password hash ("$6$…", "$y$…", DES)
  | { kind: "empty" } // empty field: login without password
  | { kind: "locked"; hasHash: boolean } // "!…" / "!!" / "*…": password login impossible
  | { kind: "unknown" }; // no shadow entry and "x" in passwd, or unreadable

export interface UserAccount {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
  /** The shell is a real login shell (not nologin/false/sync…). */
  hasLoginShell: boolean;
  /** The shell is listed in /etc/shells (false when that file is missing). */
  shellListed: boolean;
  password: PasswordState;
  passwordSource?: Source;
  source: Source;
}

export interface Group {
  name: string;
  gid: number;
  members: string[];
  /** The group password from /etc/gshadow (or /etc/group), when there is an entry. */
  password?: PasswordState;
  source: Source;
}

/** One command of a sudoers user specification, as written. */
export interface SudoCommand {
  /** The command text ("ALL", "/usr/bin/systemctl restart nginx", a Cmnd_Alias name). */
  command: string;
  /** The Runas part without parentheses ("ALL:ALL", "ALL", "" when absent = root). */
  runas: string;
  noPassword: boolean;
}

/** Someone who can become root through sudo. */
export interface SudoGrant {
  /** "user:alice", "group:sudo", "alias:ADMINS", "uid:1000", "gid:27", "netgroup:ops", "all" as written in sudoers. */
  principal: string;
  /** Users it resolves to (group members expanded through /etc/group and primary gid). */
  users: string[];
  /** Some command of the grant runs without a password (NOPASSWD, or `Defaults !authenticate`). */
  noPassword: boolean;
  /** Some command is ALL (any command as the Runas user): a full root grant. */
  allCommands: boolean;
  commands: SudoCommand[];
  source: Source;
}

/** A usable password hash left in a backup of the account files (/etc/shadow-, /etc/passwd-…). */
export interface BackupHash {
  path: string;
  line: number;
  account: string;
  scheme: string;
}

export interface AccountFacts {
  users: UserAccount[];
  groups: Group[];
  sudo: SudoGrant[];
  /** Sudoers files read, in the order sudo reads them. */
  sudoersFiles: string[];
  backupHashes: BackupHash[];
  /** Users by name (first entry wins, as getpwnam does). */
  user(name: string): UserAccount | undefined;
  /** Users who are members of a group: listed in /etc/group or /etc/gshadow, or with it as primary gid. */
  groupMembers(name: string): string[];
}

/** Shells that refuse an interactive login, by basename. */
const NO_LOGIN_SHELLS = new Set(["nologin", "false", "true", "sync", "shutdown", "halt", "git-shell"]);
const BACKUPS = [
  "/etc/shadow-",
  "/etc/passwd-",
  "/etc/gshadow-",
  "/etc/shadow.bak",
  "/etc/passwd.bak",
  "/etc/shadow~",
];
/** Bound on entries per file: the uid space is 32 bits but no real system has a million accounts. */
const MAX_ENTRIES = 1_000_000;

/** crypt(5) prefixes → scheme names. */
const SCHEMES: ReadonlyArray<[string, string]> = [
  ["$y$", "yescrypt"],
  ["$gy$", "gost-yescrypt"],
  ["$7$", "scrypt"],
  ["$2a$", "bcrypt"],
  ["$2b$", "bcrypt"],
  ["$2x$", "bcrypt"],
  ["$2y$", "bcrypt"],
  ["$6$", "sha512crypt"],
  ["$5$", "sha256crypt"],
  ["$sha1$", "sha1crypt"],
  ["$md5", "sunmd5"],
  ["$1$", "md5crypt"],
  ["$3$", "nthash"],
];

/** The scheme of a usable crypt(5) hash, or undefined when crypt could never match it. */
export function hashScheme(field: string): string | undefined {
  for (const [prefix, scheme] of SCHEMES)
    if (field.startsWith(prefix) && field.length > prefix.length + 1) return scheme;
  if (/^[./0-9A-Za-z]{13}$/.test(field)) return "descrypt";
  if (/^_[./0-9A-Za-z]{19}$/.test(field)) return "bsdicrypt";
  if (/^\$[a-z0-9-]+\$[^$]+\$./.test(field)) return field.slice(1, field.indexOf("$", 1));
  return undefined;
}

/** Classifies a password field (shadow(5)): "" empty, "!…" locked, anything crypt cannot match locked. */
export function passwordState(field: string): PasswordState {
  if (field === "") return { kind: "empty" };
  if (field.startsWith("!"))
    return { kind: "locked", hasHash: hashScheme(field.replace(/^!+/, "")) !== undefined };
  const scheme = hashScheme(field);
  return scheme ? { kind: "hash", scheme } : { kind: "locked", hasHash: false };
}

export function isNoLoginShell(shell: string): boolean {
  if (shell === "") return false; // empty = /bin/sh (passwd(5))
  if (shell === "/dev/null") return true;
  return NO_LOGIN_SHELLS.has(shell.slice(shell.lastIndexOf("/") + 1));
}

interface Entry {
  fields: string[];
  line: number;
}

/** Colon-separated entries; NIS "+"/"-" lines, comments and blank lines are skipped. */
function entries(text: string | undefined, minFields: number): Entry[] {
  const out: Entry[] = [];
  if (text === undefined) return out;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length && out.length < MAX_ENTRIES; i++) {
    const line = lines[i]!;
    if (line.trim() === "" || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) continue;
    const fields = line.split(":");
    if (fields.length < minFields || fields[0] === "") continue;
    out.push({ fields, line: i + 1 });
  }
  return out;
}

function parseId(s: string | undefined): number {
  return s !== undefined && /^\d{1,10}$/.test(s) ? Number(s) : -1;
}

export async function readAccounts(ctx: InspectContext): Promise<AccountFacts> {
  const [passwd, shadow, group, gshadow, shells] = await Promise.all(
    ["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/shells"].map((p) =>
      readOptionalText(ctx, p),
    ),
  );
  const shadowByName = new Map<string, Entry>();
  for (const e of entries(shadow, 2)) if (!shadowByName.has(e.fields[0]!)) shadowByName.set(e.fields[0]!, e);
  const listedShells = new Set(
    splitLines(shells ?? "")
      .map((l) => l.trim())
      .filter((l) => l.startsWith("/")),
  );

  const users: UserAccount[] = entries(passwd, 7).map(({ fields, line }) => {
    const [name, field, uid, gid, gecos, home, shell] = fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    // pam_unix and glibc consult shadow only when the passwd field is "x" (or "##name").
    const shadowed = field === "x" || field === `##${name}`;
    const sh = shadowed ? shadowByName.get(name) : undefined;
    const user: UserAccount = {
      name,
      uid: parseId(uid),
      gid: parseId(gid),
      gecos,
      home,
      shell,
      hasLoginShell: !isNoLoginShell(shell),
      shellListed: listedShells.has(shell === "" ? "/bin/sh" : shell),
      password: shadowed ? (sh ? passwordState(sh.fields[1]!) : { kind: "unknown" }) : passwordState(field),
      source: { path: "/etc/passwd", line },
    };
    if (sh) user.passwordSource = { path: "/etc/shadow", line: sh.line };
    else if (!shadowed) user.passwordSource = { path: "/etc/passwd", line };
    return user;
  });

  const gshadowByName = new Map<string, Entry>();
  for (const e of entries(gshadow, 4))
    if (!gshadowByName.has(e.fields[0]!)) gshadowByName.set(e.fields[0]!, e);
  const groups: Group[] = entries(group, 4).map(({ fields, line }) => {
    const [name, field, gid, list] = fields as [string, string, string, string];
    const gs = gshadowByName.get(name);
    const members = new Set(splitList(list));
    for (const m of splitList(gs?.fields[3] ?? "")) members.add(m);
    const g: Group = { name, gid: parseId(gid), members: [...members], source: { path: "/etc/group", line } };
    const pw = field === "x" ? gs?.fields[1] : field;
    if (pw !== undefined) g.password = passwordState(pw);
    return g;
  });

  const byName = new Map<string, UserAccount>();
  for (const u of users) if (!byName.has(u.name)) byName.set(u.name, u);
  const groupMembers = (name: string): string[] => {
    const g = groups.find((x) => x.name === name);
    if (!g) return [];
    const out = new Set(g.members.filter((m) => byName.has(m)));
    for (const u of users) if (u.gid === g.gid) out.add(u.name);
    return [...out].sort();
  };
  const gidMembers = (gid: number): string[] => {
    const g = groups.find((x) => x.gid === gid);
    return g ? groupMembers(g.name) : users.filter((u) => u.gid === gid).map((u) => u.name);
  };

  const sudo = await readSudoers(ctx, {
    userExists: (n) => byName.has(n),
    uidUsers: (uid) => users.filter((u) => u.uid === uid).map((u) => u.name),
    groupMembers,
    gidMembers,
    allUsers: () => users.map((u) => u.name),
  });

  const backupHashes: BackupHash[] = [];
  for (const path of BACKUPS) {
    const text = await readOptionalText(ctx, path);
    for (const { fields, line } of entries(text, 2)) {
      const state = passwordState(fields[1]!);
      if (state.kind === "hash") backupHashes.push({ path, line, account: fields[0]!, scheme: state.scheme });
    }
  }

  return {
    users,
    groups,
    sudo: sudo.grants,
    sudoersFiles: sudo.files,
    backupHashes,
    user: (name) => byName.get(name),
    groupMembers,
  };
}

function splitList(s: string): string[] {
  return s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
}

export const accountsInspector: Inspector<"accounts"> = {
  name: "accounts",
  description:
    "accounts, password states, groups and sudo grants from passwd, shadow, group, gshadow and sudoers",
  paths: [
    "/etc/passwd",
    "/etc/shadow",
    "/etc/group",
    "/etc/gshadow",
    "/etc/shells",
    ...SUDOERS_PATHS,
    ...BACKUPS,
  ],
  inspect: readAccounts,
};
