import type * as YamlModule from "yaml";
import type { LineCounter, Node } from "yaml";
import type { Image } from "../fs/image.js";
import type { Inspector } from "./context.js";
import { loadYaml } from "./load-yaml.js";
import { readOptionalDir } from "./text-files.js";

/**
 * cloud-init's system configuration: /etc/cloud/cloud.cfg, then /etc/cloud/cloud.cfg.d/*.cfg in
 * lexical order. cloud-init merges them with its default mergers: maps merge key by key,
 * everything else (lists, scalars) is replaced by the later file. Read as YAML 1.1, like
 * PyYAML's safe_load, so `yes`/`no`/`on`/`off` are booleans.
 */

/**
 * The yaml module, loaded by loadFiles only when the image has cloud-init files: it is ~70
 * modules (30 ms at start-up) and every use below runs on nodes that loadFiles produced.
 */
let yaml: typeof YamlModule;

export const CLOUD_CFG = "/etc/cloud/cloud.cfg";
export const CLOUD_CFG_D = "/etc/cloud/cloud.cfg.d";
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const MAX_FILES = 512;

/** A configuration value and the file (and line of its key) it came from. */
export interface CloudInitValue<T = unknown> {
  value: T;
  path: string;
  line?: number;
}

export interface CloudInitUser {
  name: string;
  /** The `default` entry: system_info.default_user. */
  isDefault: boolean;
  /** lock_passwd, true unless set (cloud-init's default). */
  lockPasswd: boolean;
  passwd?: string;
  hashedPasswd?: string;
  plainTextPasswd?: string;
  sshAuthorizedKeys: string[];
  sudo?: unknown;
  path: string;
  line?: number;
}

/** A password chpasswd (or the top-level `password`) sets at first boot. */
export interface CloudInitPassword {
  user: string;
  /** As written; "R"/"RANDOM" means cloud-init generates one (and prints it to the console). */
  password: string;
  path: string;
  line?: number;
}

/** A command run at boot: a runcmd/bootcmd item, or a line of a boot script. */
export interface BootCommand {
  source: "runcmd" | "bootcmd" | "script";
  command: string;
  path: string;
  line?: number;
}

/** Scripts run at boot without user data: rc.local and cloud-init's per-once/boot/instance folders. */
export const BOOT_SCRIPT_DIRS = [
  "/var/lib/cloud/scripts/per-once",
  "/var/lib/cloud/scripts/per-boot",
  "/var/lib/cloud/scripts/per-instance",
];
export const RC_LOCAL = "/etc/rc.local";
const MAX_SCRIPTS = 256;

export interface CloudInitFacts {
  /** cloud-init is present (its program or /etc/cloud/cloud.cfg). */
  installed: boolean;
  /** Installed and not disabled (cloud-init.disabled, kernel command line, masked unit). */
  enabled: boolean;
  /** Why it is disabled, when it is. */
  disabledBy?: string;
  /** Configuration files in merge order. */
  files: string[];
  /** A top-level key after merging, with the last file that set it. */
  get(key: string): CloudInitValue | undefined;
  /** ssh_pwauth as cloud-init reads it; "unchanged" when unset. */
  sshPwauth:
    | CloudInitValue<boolean | "unchanged">
    | { value: "unchanged"; path?: undefined; line?: undefined };
  disableRoot?: CloudInitValue;
  sshDeletekeys?: CloudInitValue;
  users: CloudInitUser[];
  /** Passwords set by chpasswd (list / users) and the top-level `password`. */
  passwords: CloudInitPassword[];
  chpasswdExpire?: CloudInitValue;
  sshAuthorizedKeys: Array<CloudInitValue<string>>;
  /** Kept as written for other rules. */
  runcmd?: CloudInitValue;
  bootcmd?: CloudInitValue;
  writeFiles?: CloudInitValue;
  /** runcmd and bootcmd items with their lines, and the lines of boot scripts (rc.local included). */
  bootCommands: BootCommand[];
}

interface LoadedFile {
  path: string;
  root: Node;
  lines: LineCounter;
}

async function loadFiles(
  image: Image,
  onError: (path: string, error: unknown) => void,
): Promise<LoadedFile[]> {
  const paths: string[] = [];
  if (await image.exists(CLOUD_CFG)) paths.push(CLOUD_CFG);
  const names = (await readOptionalDir({ image, unknown: onError }, CLOUD_CFG_D)).map((e) => e.name);
  // Python's glob("*.cfg"): no hidden files; sorted.
  for (const n of names
    .filter((n) => n.endsWith(".cfg") && !n.startsWith("."))
    .sort()
    .slice(0, MAX_FILES))
    paths.push(`${CLOUD_CFG_D}/${n}`);
  const out: LoadedFile[] = [];
  if (paths.length > 0) yaml ??= await loadYaml();
  for (const path of paths) {
    try {
      const text = await image.readText(path, MAX_FILE_BYTES);
      const lines = new yaml.LineCounter();
      const doc = yaml.parseDocument(text, { version: "1.1", lineCounter: lines, uniqueKeys: false });
      if (doc.errors.length > 0) {
        const err = doc.errors[0]!;
        const at = err.linePos?.[0] ? ` (line ${err.linePos[0].line})` : "";
        onError(path, `YAML${at}: ${err.message.split("\n")[0]}`);
        continue;
      }
      if (doc.contents === null) continue;
      if (!yaml.isMap(doc.contents)) {
        onError(path, "YAML: the top level is not a mapping");
        continue;
      }
      out.push({ path, root: doc.contents, lines });
    } catch (e) {
      onError(path, e);
    }
  }
  return out;
}

function child(node: Node | undefined, key: string): { key: Node; value: Node | null } | undefined {
  if (!node || !yaml.isMap(node)) return undefined;
  for (let i = node.items.length - 1; i >= 0; i--) {
    const pair = node.items[i]!;
    // PyYAML keeps the last of duplicate keys.
    if (yaml.isScalar(pair.key) && String(pair.key.value) === key)
      return { key: pair.key, value: pair.value as Node | null };
  }
  return undefined;
}

function lineOf(file: LoadedFile, node: Node | null | undefined): number | undefined {
  return node?.range ? file.lines.linePos(node.range[0]).line : undefined;
}

/** The value at a key path in the last file that sets it (what the recursive merge keeps). */
function lookup(
  files: LoadedFile[],
  keys: string[],
): (CloudInitValue & { node: Node | null; file: LoadedFile }) | undefined {
  for (let i = files.length - 1; i >= 0; i--) {
    const file = files[i]!;
    let node: Node | null | undefined = file.root;
    let keyNode: Node | undefined;
    for (const k of keys) {
      const c = child(node ?? undefined, k);
      if (!c) {
        node = undefined;
        break;
      }
      keyNode = c.key;
      node = c.value;
    }
    if (node !== undefined && keyNode) {
      const value = node === null ? null : node.toJSON();
      return { value, path: file.path, line: lineOf(file, keyNode), node, file };
    }
  }
  return undefined;
}

const TRUE_STRINGS = new Set(["true", "yes", "on", "1"]);
const FALSE_STRINGS = new Set(["false", "no", "off", "0"]);

/** cloud-init's util.is_true / is_false on a configuration value. */
export function truthiness(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value === "string") {
    const v = value.trim().toLowerCase();
    if (TRUE_STRINGS.has(v)) return true;
    if (FALSE_STRINGS.has(v)) return false;
  }
  return undefined;
}

const str = (v: unknown): string | undefined =>
  typeof v === "string" ? v : v == null ? undefined : String(v);

function toUser(
  raw: Record<string, unknown>,
  where: { path: string; line?: number },
  isDefault: boolean,
): CloudInitUser {
  const keys = raw.ssh_authorized_keys;
  const lock = truthiness(raw.lock_passwd);
  const user: CloudInitUser = {
    name: str(raw.name) ?? "",
    isDefault,
    lockPasswd: lock ?? true,
    sshAuthorizedKeys: Array.isArray(keys) ? keys.map(String) : typeof keys === "string" ? [keys] : [],
    path: where.path,
    ...(where.line !== undefined ? { line: where.line } : {}),
  };
  if (raw.passwd != null) user.passwd = String(raw.passwd);
  if (raw.hashed_passwd != null) user.hashedPasswd = String(raw.hashed_passwd);
  if (raw.plain_text_passwd != null) user.plainTextPasswd = String(raw.plain_text_passwd);
  if (raw.sudo !== undefined) user.sudo = raw.sudo;
  return user;
}

function readUsers(files: LoadedFile[]): CloudInitUser[] {
  const users: CloudInitUser[] = [];
  const found = lookup(files, ["users"]);
  const defaultUser = () => {
    const d = lookup(files, ["system_info", "default_user"]);
    if (d?.value && typeof d.value === "object") {
      users.push(toUser(d.value as Record<string, unknown>, d, true));
    }
  };
  // No `users` key: cloud-init creates the default user.
  if (!found) {
    defaultUser();
    return users;
  }
  const items: Array<{ value: unknown; line?: number }> = [];
  if (found.node && yaml.isSeq(found.node))
    for (const item of found.node.items as Node[])
      items.push({ value: item.toJSON(), line: lineOf(found.file, item) });
  else if (typeof found.value === "string")
    for (const name of found.value.split(",")) items.push({ value: name.trim(), line: found.line });
  else if (found.value && typeof found.value === "object")
    for (const [name, v] of Object.entries(found.value))
      items.push({ value: { name, ...(v as object) }, line: found.line });
  for (const item of items) {
    const where = { path: found.path, ...(item.line !== undefined ? { line: item.line } : {}) };
    if (item.value === "default") defaultUser();
    else if (typeof item.value === "string" && item.value !== "")
      users.push(toUser({ name: item.value }, where, false));
    else if (item.value && typeof item.value === "object")
      users.push(toUser(item.value as Record<string, unknown>, where, false));
  }
  return users;
}

function readPasswords(files: LoadedFile[], users: CloudInitUser[]): CloudInitPassword[] {
  const out: CloudInitPassword[] = [];
  const list = lookup(files, ["chpasswd", "list"]);
  if (list) {
    const entries = Array.isArray(list.value)
      ? list.value.map(String)
      : typeof list.value === "string"
        ? list.value.split("\n")
        : [];
    for (const e of entries) {
      const i = e.indexOf(":");
      if (i > 0)
        out.push({
          user: e.slice(0, i).trim(),
          password: e.slice(i + 1).trim(),
          path: list.path,
          ...(list.line ? { line: list.line } : {}),
        });
    }
  }
  const chUsers = lookup(files, ["chpasswd", "users"]);
  if (chUsers?.node && yaml.isSeq(chUsers.node))
    for (const item of chUsers.node.items as Node[]) {
      const v = item.toJSON() as Record<string, unknown> | null;
      if (v && typeof v === "object" && v.name != null && v.password != null) {
        const line = lineOf(chUsers.file, item);
        out.push({
          user: String(v.name),
          password: String(v.password),
          path: chUsers.path,
          ...(line ? { line } : {}),
        });
      }
    }
  // The top-level `password` is the default user's (cloud-init's set-passwords module).
  const password = lookup(files, ["password"]);
  if (password && password.value != null && password.value !== "") {
    const user = users.find((u) => u.isDefault)?.name ?? "(default user)";
    out.push({
      user,
      password: String(password.value),
      path: password.path,
      ...(password.line ? { line: password.line } : {}),
    });
  }
  return out;
}

function plain(
  v: (CloudInitValue & { node?: unknown; file?: unknown }) | undefined,
): CloudInitValue | undefined {
  if (!v) return undefined;
  return { value: v.value, path: v.path, ...(v.line !== undefined ? { line: v.line } : {}) };
}

function mergeValues(a: unknown, b: unknown): unknown {
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b)) out[k] = mergeValues(out[k], v);
    return out;
  }
  return b;
}

/** Builds the facts from the loaded files (the inspector adds installed/enabled). */
function factsFrom(files: LoadedFile[]): Omit<CloudInitFacts, "installed" | "enabled" | "disabledBy"> {
  const merged = new Map<string, CloudInitValue>();
  for (const file of files) {
    if (!yaml.isMap(file.root)) continue;
    for (const pair of file.root.items) {
      if (!yaml.isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      const value = (pair.value as Node | null)?.toJSON() ?? null;
      const line = lineOf(file, pair.key as Node);
      merged.set(key, {
        value: mergeValues(merged.get(key)?.value, value),
        path: file.path,
        ...(line ? { line } : {}),
      });
    }
  }
  const pw = lookup(files, ["ssh_pwauth"]);
  let sshPwauth: CloudInitFacts["sshPwauth"] = { value: "unchanged" };
  if (pw) {
    const t = truthiness(pw.value);
    sshPwauth = {
      value: t === undefined ? "unchanged" : t,
      path: pw.path,
      ...(pw.line ? { line: pw.line } : {}),
    };
  }
  const users = readUsers(files);
  const keys = lookup(files, ["ssh_authorized_keys"]);
  const keyList = keys
    ? Array.isArray(keys.value)
      ? keys.value.map(String)
      : typeof keys.value === "string"
        ? [keys.value]
        : []
    : [];
  const opt = (k: string) => plain(lookup(files, [k]));
  const facts: Omit<CloudInitFacts, "installed" | "enabled" | "disabledBy"> = {
    files: files.map((f) => f.path),
    get: (key) => merged.get(key),
    sshPwauth,
    users,
    passwords: readPasswords(files, users),
    bootCommands: [...listCommands(files, "bootcmd"), ...listCommands(files, "runcmd")],
    sshAuthorizedKeys: keyList.map((value) => ({
      value,
      path: keys!.path,
      ...(keys!.line ? { line: keys!.line } : {}),
    })),
  };
  const optional = {
    disableRoot: opt("disable_root"),
    sshDeletekeys: opt("ssh_deletekeys"),
    chpasswdExpire: plain(lookup(files, ["chpasswd", "expire"])),
    runcmd: opt("runcmd"),
    bootcmd: opt("bootcmd"),
    writeFiles: opt("write_files"),
  };
  for (const [k, v] of Object.entries(optional)) if (v) (facts as Record<string, unknown>)[k] = v;
  return facts;
}

function listCommands(files: LoadedFile[], key: "runcmd" | "bootcmd"): BootCommand[] {
  const found = lookup(files, [key]);
  if (!found?.node || !yaml.isSeq(found.node)) return [];
  const out: BootCommand[] = [];
  for (const item of found.node.items as Node[]) {
    const v = item.toJSON() as unknown;
    // An item is a shell string or an argv list.
    const command = Array.isArray(v) ? v.map(String).join(" ") : v == null ? "" : String(v);
    const line = lineOf(found.file, item);
    if (command !== "") out.push({ source: key, command, path: found.path, ...(line ? { line } : {}) });
  }
  return out;
}

async function scriptCommands(
  image: Image,
  onError: (path: string, error: unknown) => void,
): Promise<BootCommand[]> {
  const paths = [RC_LOCAL];
  for (const dir of BOOT_SCRIPT_DIRS) {
    const names = (await readOptionalDir({ image, unknown: onError }, dir)).map((e) => e.name).sort();
    for (const n of names.slice(0, MAX_SCRIPTS)) paths.push(`${dir}/${n}`);
  }
  const out: BootCommand[] = [];
  for (const path of paths) {
    let text: string | undefined;
    try {
      text = await image.readTextIfExists(path, MAX_FILE_BYTES);
    } catch (e) {
      onError(path, e);
    }
    if (text === undefined) continue;
    for (const [i, raw] of text.split("\n").entries()) {
      const command = raw.trim();
      if (command !== "" && !command.startsWith("#"))
        out.push({ source: "script", command, path, line: i + 1 });
    }
  }
  return out;
}

/** Why cloud-init would not run at boot, or undefined when it would. */
async function disabledReason(image: Image): Promise<string | undefined> {
  if (await image.exists("/etc/cloud/cloud-init.disabled")) return "/etc/cloud/cloud-init.disabled exists";
  const grub = await image.readTextIfExists("/etc/default/grub").catch(() => undefined);
  if (grub && /^\s*GRUB_CMDLINE_LINUX[A-Z_]*=.*\bcloud-init=disabled\b/m.test(grub))
    return "cloud-init=disabled on the kernel command line (/etc/default/grub)";
  for (const unit of ["cloud-init.service", "cloud-init-local.service"]) {
    const p = `/etc/systemd/system/${unit}`;
    const st = await image.lstat(p).catch(() => undefined);
    if (st?.type === "symlink" && (await image.readlink(p)) === "/dev/null") return `${p} is masked`;
  }
  return undefined;
}

export const cloudInitInspector: Inspector<"cloudInit"> = {
  name: "cloudInit",
  description:
    "cloud-init's merged system configuration (cloud.cfg and cloud.cfg.d) and whether it runs at boot",
  paths: [
    CLOUD_CFG,
    `${CLOUD_CFG_D}/*.cfg`,
    "/usr/bin/cloud-init",
    "/etc/cloud/cloud-init.disabled",
    "/etc/default/grub",
  ],
  async inspect(ctx) {
    const files = await loadFiles(ctx.image, (p, e) => ctx.unknown(p, e));
    const installed = (await ctx.image.exists("/usr/bin/cloud-init")) || (await ctx.image.exists(CLOUD_CFG));
    const disabledBy = installed ? await disabledReason(ctx.image) : undefined;
    const facts = factsFrom(files);
    facts.bootCommands.push(...(await scriptCommands(ctx.image, (p, e) => ctx.unknown(p, e))));
    return {
      installed,
      enabled: installed && disabledBy === undefined,
      ...(disabledBy ? { disabledBy } : {}),
      ...facts,
    };
  },
};
