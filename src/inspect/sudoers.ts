import { joinImagePath, normalizeImagePath, parentOf } from "../fs/path.js";
import type { SudoCommand, SudoGrant } from "./accounts.js";
import type { InspectContext } from "./context.js";
import { readOptionalDir, readOptionalText, splitLines } from "./text-files.js";

export const SUDOERS_PATHS = ["/etc/sudoers", "/etc/sudoers.d/*"];

/** sudo stops at 128 nested includes; a real configuration needs a handful. */
const MAX_INCLUDE_DEPTH = 16;
const MAX_FILES = 1000;
const MAX_ALIAS_DEPTH = 8;

/** Tags of a command spec (sudoers(5) "Tag_Spec"); NOPASSWD/PASSWD are the ones we track. */
const TAGS = new Set([
  "NOPASSWD",
  "PASSWD",
  "NOEXEC",
  "EXEC",
  "SETENV",
  "NOSETENV",
  "LOG_INPUT",
  "NOLOG_INPUT",
  "LOG_OUTPUT",
  "NOLOG_OUTPUT",
  "MAIL",
  "NOMAIL",
  "FOLLOW",
  "NOFOLLOW",
  "INTERCEPT",
  "NOINTERCEPT",
]);

/** How sudoers principals map to accounts (supplied by the accounts inspector). */
export interface PrincipalResolver {
  userExists(name: string): boolean;
  uidUsers(uid: number): string[];
  groupMembers(name: string): string[];
  gidMembers(gid: number): string[];
  allUsers(): string[];
}

interface Logical {
  text: string;
  path: string;
  line: number;
}

/**
 * sudo reads an included directory's files in sorted order and skips names ending in "~" or
 * containing "." (editor backups, package-manager leftovers such as ".dpkg-old").
 */
export function sudoersDirIncludes(name: string): boolean {
  return !name.endsWith("~") && !name.includes(".");
}

/** Joins backslash-continued lines and drops comments (a "#" not starting a uid, gid or include). */
function logicalLines(text: string, path: string): Logical[] {
  const out: Logical[] = [];
  let pending: Logical | undefined;
  splitLines(text).forEach((raw, i) => {
    const continued = raw.endsWith("\\");
    const body = continued ? raw.slice(0, -1) : raw;
    if (pending) pending.text += ` ${body}`;
    else pending = { text: body, path, line: i + 1 };
    if (continued) return;
    const text = stripComment(pending.text.trim());
    if (text !== "") out.push({ ...pending, text });
    pending = undefined;
  });
  if (pending) {
    const text = stripComment(pending.text.trim());
    if (text !== "") out.push({ ...pending, text });
  }
  return out;
}

function stripComment(line: string): string {
  if (/^#include(dir)?\s/.test(line)) return line;
  if (line.startsWith("#") && !/^#-?\d+\s/.test(line)) return "";
  // "#" after whitespace starts a comment unless it introduces a uid/gid ("#1000", "%#27").
  return line.replace(/\s#(?!-?\d).*$/, "").trim();
}

/** Splits at top-level commas (not inside parentheses or quotes). */
function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = "";
  for (const c of s) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === "(") depth++;
    else if (!quoted && c === ")") depth = Math.max(0, depth - 1);
    if (c === sep && depth === 0 && !quoted) {
      parts.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  if (cur.trim() !== "") parts.push(cur.trim());
  return parts;
}

/** Parses a Cmnd_Spec_List: runas and tags carry over to the following commands (sudoers(5)). */
export function parseCommands(spec: string, cmndAliases: ReadonlyMap<string, string[]>): SudoCommand[] {
  const out: SudoCommand[] = [];
  let runas = "";
  let noPassword = false;
  for (let item of splitTopLevel(spec, ",")) {
    const r = /^\(([^)]*)\)\s*/.exec(item);
    if (r) {
      runas = r[1]!.trim();
      item = item.slice(r[0].length);
    }
    for (let m = /^([A-Z_]+)[:=]\s*/.exec(item); m; m = /^([A-Z_]+)[:=]\s*/.exec(item)) {
      if (item[m[1]!.length] === "=") {
        // Option_Spec such as ROLE=x, TIMEOUT=1m, CWD=/: skip its value.
        item = item.slice(m[0].length).replace(/^\S+\s*/, "");
        continue;
      }
      if (!TAGS.has(m[1]!)) break;
      if (m[1] === "NOPASSWD") noPassword = true;
      if (m[1] === "PASSWD") noPassword = false;
      item = item.slice(m[0].length);
    }
    const command = item.trim();
    if (command !== "") out.push({ command, runas, noPassword });
  }
  return out.map((c) => {
    const expanded = cmndAliases.get(c.command);
    return expanded?.includes("ALL") ? { ...c, command: `${c.command} (= ALL)` } : c;
  });
}

/** ALL as a user that may be root: no Runas (root), or a Runas user list with ALL, root or #0. */
function isRootAll(c: SudoCommand): boolean {
  if (c.command !== "ALL" && !c.command.endsWith(" (= ALL)")) return false;
  if (c.runas === "") return true;
  // "(:group)" alone runs as the invoking user with another group (sudoers(5) Runas_Spec).
  const users = (c.runas.split(":")[0] ?? "").trim();
  return users.split(/\s*,\s*/).some((u) => u === "ALL" || u === "root" || u === "#0");
}

interface State {
  ctx: InspectContext;
  files: string[];
  userAliases: Map<string, string[]>;
  cmndAliases: Map<string, string[]>;
  specs: Array<{ users: string[]; commands: SudoCommand[]; path: string; line: number }>;
  /** `Defaults !authenticate` globally (true) or for these user-list tokens. */
  noAuthAll: boolean;
  noAuthFor: Set<string>;
}

async function readFile(state: State, path: string, depth: number): Promise<void> {
  if (depth > MAX_INCLUDE_DEPTH || state.files.length >= MAX_FILES || state.files.includes(path)) return;
  const text = await readOptionalText(state.ctx, path);
  if (text === undefined) return;
  state.files.push(path);
  for (const l of logicalLines(text, path)) {
    const inc = /^[#@]include(dir)?\s+(.+)$/.exec(l.text);
    if (inc) {
      // Relative include paths are relative to the including file's directory (sudo ≥ 1.9.1).
      const raw = inc[2]!.trim().replace(/^"(.*)"$/, "$1");
      const target = normalizeImagePath(raw.startsWith("/") ? raw : joinImagePath(parentOf(path), raw));
      if (inc[1]) await readDir(state, target, depth + 1);
      else await readFile(state, target, depth + 1);
      continue;
    }
    parseLine(state, l);
  }
}

async function readDir(state: State, dir: string, depth: number): Promise<void> {
  const names = (await readOptionalDir(state.ctx, dir)).map((e) => e.name);
  for (const name of names.filter(sudoersDirIncludes).sort())
    await readFile(state, joinImagePath(dir, name), depth);
}

function parseLine(state: State, l: Logical): void {
  const defaults = /^Defaults([:@>!]\s*(\S+))?\s+(.*)$/.exec(l.text);
  if (defaults) {
    const params = splitTopLevel(defaults[3]!, ",");
    if (params.some((p) => p.replace(/\s/g, "") === "!authenticate")) {
      if (!defaults[1]) state.noAuthAll = true;
      else if (defaults[1].startsWith(":"))
        for (const u of defaults[2]!.split(",")) state.noAuthFor.add(u.trim());
    }
    return;
  }
  const alias = /^(User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias)\s+(.*)$/.exec(l.text);
  if (alias) {
    const target =
      alias[1] === "User_Alias"
        ? state.userAliases
        : alias[1]!.startsWith("Cm")
          ? state.cmndAliases
          : undefined;
    for (const def of alias[2]!.split(/\s:\s*(?=[A-Z][A-Z0-9_]*\s*=)/)) {
      const m = /^([A-Z][A-Z0-9_]*)\s*=\s*(.*)$/.exec(def.trim());
      if (m && target) target.set(m[1]!, splitTopLevel(m[2]!, ","));
    }
    return;
  }
  const eq = l.text.indexOf("=");
  if (eq < 0) return;
  // "user, %group  host = …": the user list ends at the first blank not next to a comma.
  const left = l.text
    .slice(0, eq)
    .replace(/\s*,\s*/g, ",")
    .trim();
  const [userList] = left.split(/\s+/);
  if (!userList) return;
  // Only the first Host = Cmnd_Spec_List is read; further ": host = …" parts are rare.
  const right = l.text.slice(eq + 1).split(/\s:\s*(?=[A-Za-z0-9_.,!+-]+\s*=)/)[0]!;
  state.specs.push({
    users: userList.split(","),
    commands: parseCommands(right, state.cmndAliases),
    path: l.path,
    line: l.line,
  });
}

function principalOf(token: string, state: State): string | undefined {
  if (token.startsWith("!")) return undefined;
  if (token === "ALL") return "all";
  if (token.startsWith("%#")) return `gid:${token.slice(2)}`;
  if (token.startsWith("%:")) return undefined; // non-Unix group plugins
  if (token.startsWith("%")) return `group:${token.slice(1)}`;
  if (token.startsWith("#")) return `uid:${token.slice(1)}`;
  if (token.startsWith("+")) return `netgroup:${token.slice(1)}`;
  if (state.userAliases.has(token)) return `alias:${token}`;
  return `user:${token}`;
}

function resolve(token: string, state: State, r: PrincipalResolver, depth: number): string[] {
  const p = principalOf(token, state);
  if (!p || depth > MAX_ALIAS_DEPTH) return [];
  const [kind, value = ""] = p.split(/:(.*)/s);
  switch (kind) {
    case "all":
      return r.allUsers();
    case "user":
      return r.userExists(value) ? [value] : [];
    case "uid":
      return /^\d+$/.test(value) ? r.uidUsers(Number(value)) : [];
    case "gid":
      return /^\d+$/.test(value) ? r.gidMembers(Number(value)) : [];
    case "group":
      return r.groupMembers(value);
    case "alias":
      return (state.userAliases.get(value) ?? []).flatMap((t) => resolve(t, state, r, depth + 1));
    default:
      return []; // netgroups need NIS/LDAP: not in the image
  }
}

/** Reads /etc/sudoers and what it includes; one grant per principal of each user specification. */
export async function readSudoers(
  ctx: InspectContext,
  resolver: PrincipalResolver,
): Promise<{ grants: SudoGrant[]; files: string[] }> {
  const state: State = {
    ctx,
    files: [],
    userAliases: new Map(),
    cmndAliases: new Map(),
    specs: [],
    noAuthAll: false,
    noAuthFor: new Set(),
  };
  await readFile(state, "/etc/sudoers", 0);
  const grants: SudoGrant[] = [];
  for (const spec of state.specs) {
    for (const token of spec.users) {
      const principal = principalOf(token, state);
      if (!principal || spec.commands.length === 0) continue;
      const noAuth = state.noAuthAll || state.noAuthFor.has(token);
      const commands = spec.commands.map((c) => (noAuth ? { ...c, noPassword: true } : c));
      grants.push({
        principal,
        users: [...new Set(resolve(token, state, resolver, 0))].sort(),
        noPassword: commands.some((c) => c.noPassword),
        allCommands: commands.some(isRootAll),
        commands,
        source: { path: spec.path, line: spec.line },
      });
    }
  }
  return { grants, files: state.files };
}
