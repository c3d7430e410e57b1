import { leftBehindHomes } from "../../inspect/homes.js";
import { describeError } from "../../io/errors.js";
import type { PlanContext } from "../operation.js";

/** Bound on homes looked at: one per passwd entry, and passwd is bounded by its inspector. */
const MAX_HOMES = 100_000;

export interface Home {
  /** Canonical path of the home directory inside the image. */
  path: string;
  users: string[];
  /** Some account living here has a login shell or a uid of a person (≥ 1000), or it is /root. */
  personal: boolean;
}

/**
 * The home directories of every account in passwd, plus /root, each once. A home that is a
 * symlink is resolved inside the image (a link to "/" is the image's root) and reported.
 */
export async function homes(ctx: PlanContext): Promise<Home[]> {
  let found = cache.get(ctx);
  if (!found) {
    found = findHomes(ctx);
    cache.set(ctx, found);
  }
  return found;
}

/** Computed once per plan, so a symlinked home is reported once. */
const cache = new WeakMap<PlanContext, Promise<Home[]>>();

async function findHomes(ctx: PlanContext): Promise<Home[]> {
  const accounts = await ctx.fact("accounts");
  const byPath = new Map<string, Home>();
  const wanted: Array<{ home: string; user: string; login: boolean }> = [
    { home: "/root", user: "root", login: true },
  ];
  for (const u of accounts.users.slice(0, MAX_HOMES))
    if (u.home.startsWith("/")) wanted.push({ home: u.home, user: u.name, login: u.hasLoginShell });
  // Folders in /home no account owns (a deleted build user's) are cleaned like a person's home.
  const leftBehind = await leftBehindHomes(
    { image: ctx.image, unknown: (path, e) => ctx.notice(path, `could not be listed: ${describeError(e)}`) },
    wanted,
  );
  for (const h of leftBehind) wanted.push({ home: h.home, user: h.name, login: true });
  for (const { home, user, login } of wanted) {
    const lexical = await ctx.canonical(home);
    if (lexical === undefined) continue;
    const st = await ctx.lstat(lexical);
    let path = lexical;
    if (st?.type === "symlink") {
      const resolved = await ctx.image.resolve(home).catch(() => undefined);
      if (resolved === undefined) {
        if (login)
          ctx.notice(
            lexical,
            `home of ${user} is a symlink to ${await ctx.image.tree.readlink(lexical)}, which does not exist inside the image; nothing looked at`,
          );
        continue;
      }
      // System accounts with homes like /bin (a link to usr/bin on merged-/usr systems) are normal.
      if (login || resolved === "/")
        ctx.notice(
          lexical,
          `home of ${user} is a symlink to ${await ctx.image.tree.readlink(lexical)}; looked at ${resolved} inside the image, nothing outside it`,
        );
      path = resolved;
    } else if (st?.type !== "directory") continue;
    const entry = byPath.get(path) ?? { path, users: [], personal: false };
    if (!entry.users.includes(user)) entry.users.push(user);
    entry.personal ||= login;
    byPath.set(path, entry);
  }
  return [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
}

export function under(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}
