import { normalizeImagePath } from "../fs/path.js";
import { FsError } from "../io/errors.js";
import { type AuthorizedKey, parseAuthorizedKeyLine, parseAuthorizedKeys } from "./authorized-keys-format.js";
import type { InspectContext, Inspector } from "./context.js";
import { accountHomes } from "./homes.js";
import { isNoisePath } from "./secret-patterns.js";

export type { AuthorizedKey } from "./authorized-keys-format.js";

/** An authorized_keys file that exists and holds at least one key line. */
export interface AuthorizedKeysFile {
  path: string;
  /** Accounts for which sshd reads this file; empty when no account in passwd reads it (left behind). */
  users: string[];
  /** It sits at OpenSSH's default location (~/.ssh/authorized_keys or authorized_keys2) of those users. */
  defaultLocation: boolean;
  keys: AuthorizedKey[];
  invalidLines: number[];
}

/** An AuthorizedKeysCommand sshd runs to look keys up (its output can authorize anyone). */
export interface AuthorizedKeysCommand {
  command: string;
  user?: string;
  path?: string;
  line?: number;
  /** The Match criteria, when set inside a Match block. */
  match?: string;
}

/** A host private key in /etc/ssh: every instance launched from the image would share it. */
export interface HostKeyFile {
  path: string;
  /** "rsa", "ecdsa", "ed25519", "dsa" from the file name. */
  algorithm: string;
  /** The matching .pub key's type and fingerprint, when that file parses. */
  publicKey?: Pick<AuthorizedKey, "type" | "fingerprint">;
}

export interface AuthorizedKeyFacts {
  files: AuthorizedKeysFile[];
  commands: AuthorizedKeysCommand[];
  hostKeys: HostKeyFile[];
}

const MAX_KEYS_FILE = 4 * 1024 * 1024;
const KEYS_FILE_NAMES = new Set(["authorized_keys", "authorized_keys2"]);
const HOST_KEY_NAME = /^ssh_host_([a-z0-9]+)_key$/;

function isMissing(e: unknown): boolean {
  return e instanceof FsError && (e.code === "ENOENT" || e.code === "ENOTDIR" || e.code === "ELOOP");
}

async function readKeysFile(
  ctx: InspectContext,
  path: string,
): Promise<ReturnType<typeof parseAuthorizedKeys> | undefined> {
  try {
    const st = await ctx.image.statIfExists(path);
    if (st?.type !== "file") return undefined;
    return parseAuthorizedKeys(await ctx.image.readText(path, MAX_KEYS_FILE));
  } catch (e) {
    if (!isMissing(e)) ctx.unknown(path, e);
    return undefined;
  }
}

/** Which files sshd reads for which accounts, by the effective AuthorizedKeysFile. */
async function filesReadBySshd(
  ctx: InspectContext,
): Promise<Map<string, { users: string[]; defaultLocation: boolean }>> {
  const sshd = await ctx.get("sshd");
  const out = new Map<string, { users: string[]; defaultLocation: boolean }>();
  for (const account of await accountHomes(ctx)) {
    const defaults = new Set(
      ["authorized_keys", "authorized_keys2"].map((n) => normalizeImagePath(`${account.home}/.ssh/${n}`)),
    );
    // uid too where the sshd contract takes it (%U); name and home are what it needs.
    const user = {
      name: account.name,
      home: account.home,
      ...(account.uid !== undefined ? { uid: account.uid } : {}),
    };
    for (const pattern of sshd.authorizedKeysFiles(user)) {
      const path = normalizeImagePath(pattern);
      const entry = out.get(path) ?? { users: [], defaultLocation: defaults.has(path) };
      if (!entry.users.includes(account.name)) entry.users.push(account.name);
      out.set(path, entry);
    }
  }
  return out;
}

async function hostKeys(ctx: InspectContext): Promise<HostKeyFile[]> {
  let names: string[];
  try {
    names = (await ctx.image.readdir("/etc/ssh")).map((e) => e.name).sort();
  } catch (e) {
    if (!isMissing(e)) ctx.unknown("/etc/ssh", e);
    return [];
  }
  const out: HostKeyFile[] = [];
  for (const name of names) {
    const m = HOST_KEY_NAME.exec(name);
    if (!m) continue;
    const path = `/etc/ssh/${name}`;
    const st = await ctx.image.statIfExists(path).catch(() => undefined);
    if (st?.type !== "file") continue;
    const key: HostKeyFile = { path, algorithm: m[1]! };
    const pub = await ctx.image.readTextIfExists(`${path}.pub`, 64 * 1024).catch(() => undefined);
    const parsed = pub ? parseAuthorizedKeyLine(pub.split("\n", 1)[0] ?? "", 1) : undefined;
    if (parsed) key.publicKey = { type: parsed.type, fingerprint: parsed.fingerprint };
    out.push(key);
  }
  return out;
}

async function commands(ctx: InspectContext): Promise<AuthorizedKeysCommand[]> {
  const sshd = await ctx.get("sshd");
  const out: AuthorizedKeysCommand[] = [];
  const global = sshd.get("AuthorizedKeysCommand");
  if (global && !global.isDefault && global.value.toLowerCase() !== "none") {
    const user = sshd.get("AuthorizedKeysCommandUser");
    out.push({
      command: global.value,
      ...(user && !user.isDefault ? { user: user.value } : {}),
      ...(global.path !== undefined ? { path: global.path } : {}),
      ...(global.line !== undefined ? { line: global.line } : {}),
    });
  }
  for (const c of sshd.conditional) {
    if (c.keyword.toLowerCase() !== "authorizedkeyscommand" || c.value.toLowerCase() === "none") continue;
    out.push({
      command: c.value,
      match: c.match,
      ...(c.path !== undefined ? { path: c.path } : {}),
      ...(c.line !== undefined ? { line: c.line } : {}),
    });
  }
  return out;
}

export const authorizedKeysInspector: Inspector<"authorizedKeys"> = {
  name: "authorizedKeys",
  description:
    "authorized_keys that sshd reads for every account in passwd (and any left behind elsewhere), AuthorizedKeysCommand, SSH host keys",
  paths: [
    "/etc/passwd",
    "/etc/ssh/ssh_host_*_key",
    "/etc/ssh/ssh_host_*_key.pub",
    "/**/authorized_keys",
    "/**/authorized_keys2",
  ],
  async inspect(ctx) {
    const readBy = await filesReadBySshd(ctx);
    // A keys file no account reads today (user deleted, AuthorizedKeysFile changed) still ships a key.
    const index = await ctx.get("files");
    for (const entry of index.select((v) => KEYS_FILE_NAMES.has(v.name))) {
      if (entry.type !== "file" && entry.type !== "symlink") continue;
      const base = entry.path.slice(entry.path.lastIndexOf("/") + 1);
      if (KEYS_FILE_NAMES.has(base) && !readBy.has(entry.path) && !isNoisePath(entry.path))
        readBy.set(entry.path, { users: [], defaultLocation: false });
    }
    const files: AuthorizedKeysFile[] = [];
    for (const [path, { users, defaultLocation }] of [...readBy].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      const parsed = await readKeysFile(ctx, path);
      if (!parsed || (parsed.keys.length === 0 && parsed.invalidLines.length === 0)) continue;
      files.push({ path, users, defaultLocation, keys: parsed.keys, invalidLines: parsed.invalidLines });
    }
    return { files, commands: await commands(ctx), hostKeys: await hostKeys(ctx) };
  },
};
