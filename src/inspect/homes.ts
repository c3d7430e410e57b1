import type { InspectContext } from "./context.js";
import { readOptionalDir } from "./text-files.js";

/** An account as far as home-directory inspectors need it. */
export interface AccountHome {
  name: string;
  uid?: number;
  home: string;
  shell: string;
}

/** passwd has no bound of its own; this many lines is far beyond any real system. */
const MAX_PASSWD_LINES = 100_000;

/**
 * Minimal /etc/passwd reading (name, home, shell), used only when the accounts fact has no users
 * (its inspector failed or found no passwd). passwd(5): name:password:uid:gid:gecos:home:shell.
 */
export function homesFromPasswd(text: string): AccountHome[] {
  const out: AccountHome[] = [];
  const lines = text.split("\n", MAX_PASSWD_LINES);
  for (const line of lines) {
    if (line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) continue;
    const fields = line.split(":");
    if (fields.length < 7 || !fields[0] || !fields[5]?.startsWith("/")) continue;
    const uid = Number(fields[2]);
    out.push({
      name: fields[0],
      ...(Number.isInteger(uid) ? { uid } : {}),
      home: fields[5],
      shell: fields[6] ?? "",
    });
  }
  return out;
}

/**
 * Every account with its home, from the accounts fact (falling back to /etc/passwd), plus root's
 * /root when passwd lacks it: a home left behind by a deleted root entry still ships its files.
 */
export async function accountHomes(ctx: InspectContext): Promise<AccountHome[]> {
  let homes: AccountHome[] = [];
  try {
    const accounts = await ctx.get("accounts");
    homes = accounts.users.map((u) => ({ name: u.name, uid: u.uid, home: u.home, shell: u.shell }));
  } catch (e) {
    ctx.unknown("/etc/passwd", e);
  }
  if (homes.length === 0) {
    try {
      const text = await ctx.image.readTextIfExists("/etc/passwd", 4 * 1024 * 1024);
      if (text !== undefined) homes = homesFromPasswd(text);
    } catch (e) {
      ctx.unknown("/etc/passwd", e);
    }
  }
  if (!homes.some((h) => h.home === "/root")) homes.push({ name: "root", home: "/root", shell: "" });
  return homes;
}

/** /home holds more than this many entries on no real image; past it the rest are not looked at. */
const MAX_HOME_DIRS = 10_000;

/**
 * Folders in /home that no account has as its home: a build user removed from /etc/passwd (Packer's,
 * a re-based image's ec2-user) leaves its history and keys behind, and the image ships them. Each
 * is judged like a home, under the folder's name.
 */
export async function leftBehindHomes(
  ctx: Pick<InspectContext, "image" | "unknown">,
  homes: readonly Pick<AccountHome, "home">[],
): Promise<AccountHome[]> {
  const known = new Set(homes.map((h) => (h.home.length > 1 ? h.home.replace(/\/+$/, "") : h.home)));
  const out: AccountHome[] = [];
  for (const entry of (await readOptionalDir(ctx, "/home")).slice(0, MAX_HOME_DIRS)) {
    const home = `/home/${entry.name}`;
    if (entry.type === "directory" && !known.has(home)) out.push({ name: entry.name, home, shell: "" });
  }
  return out;
}

/** Homes with the accounts that share each (several system accounts use "/" or "/bin"). */
export function groupByHome(homes: readonly AccountHome[]): Map<string, string[]> {
  const byHome = new Map<string, string[]>();
  for (const h of homes) {
    const home = h.home.length > 1 ? h.home.replace(/\/+$/, "") : h.home;
    const names = byHome.get(home) ?? [];
    if (!names.includes(h.name)) names.push(h.name);
    byHome.set(home, names);
  }
  return byHome;
}
