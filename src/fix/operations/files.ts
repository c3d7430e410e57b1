import { isFsError } from "../../io/errors.js";
import type { PlanContext } from "../operation.js";

/** Bound on entries a clean-up walk visits (a /tmp with millions of files is reported, not hung on). */
export const MAX_WALK_ENTRIES = 200_000;

/**
 * Plans removing or truncating one path, by what it is: a regular file gets the action; a symlink
 * is removed itself (never written through; a link to /dev/null is hardening and stays); a FIFO,
 * socket or device is reported and left alone (opening one can block or act on hardware).
 */
export async function cleanFile(
  ctx: PlanContext,
  path: string,
  action: "truncate" | "remove",
  reason: string,
): Promise<void> {
  const st = await ctx.lstat(path);
  if (!st) return;
  if (st.type === "file") {
    if (action === "truncate") await ctx.truncate(path, reason);
    else await ctx.remove(path, reason);
    return;
  }
  if (st.type === "symlink") {
    const target = await ctx.image.tree.readlink(path);
    if (target === "/dev/null") return;
    ctx.notice(path, `is a symlink to ${target}; the link itself is removed, its target is never written`);
    await ctx.remove(path, `${reason} (a symlink to ${target}: only the link)`);
    return;
  }
  if (st.type === "directory") return;
  ctx.notice(path, `is a ${st.type}, not a regular file; left as is (never opened for writing)`);
}

/** Regular files, links and special files below `dir` (not following links), directories after their content. */
export async function listTree(
  ctx: PlanContext,
  dir: string,
  skip: (path: string) => boolean = () => false,
): Promise<Array<{ path: string; type: string }>> {
  const out: Array<{ path: string; type: string }> = [];
  const st = await ctx.lstat(dir);
  if (st?.type !== "directory") return out;
  const dirs: string[] = [];
  try {
    for await (const entry of ctx.image.walk(dir, {
      skipDirectory: skip,
      onError: (p, e) => ctx.notice(p, `could not be listed: ${e instanceof Error ? e.message : String(e)}`),
    })) {
      if (out.length + dirs.length >= MAX_WALK_ENTRIES) {
        ctx.notice(dir, `more than ${MAX_WALK_ENTRIES} entries; the rest were not looked at`);
        break;
      }
      if (skip(entry.path)) continue;
      if (entry.stat.type === "directory") dirs.push(entry.path);
      else out.push({ path: entry.path, type: entry.stat.type });
    }
  } catch (e) {
    if (!isFsError(e)) throw e;
    ctx.notice(dir, e.message);
  }
  // Deepest first so a directory is empty when its turn comes.
  dirs.sort((a, b) => b.split("/").length - a.split("/").length || b.localeCompare(a));
  return [...out, ...dirs.map((path) => ({ path, type: "directory" }))];
}

/** Removes everything below `dir` (not `dir` itself); special files are unlinked (never opened). */
export async function emptyDirectory(
  ctx: PlanContext,
  dir: string,
  reason: string,
  skip?: (path: string) => boolean,
): Promise<void> {
  for (const entry of await listTree(ctx, dir, skip)) {
    if (entry.type === "directory") await ctx.remove(entry.path, reason);
    else if (
      entry.type === "file" ||
      entry.type === "symlink" ||
      entry.type === "socket" ||
      entry.type === "fifo"
    )
      await ctx.remove(entry.path, reason);
    else ctx.notice(entry.path, `is a ${entry.type} device node; left as is`);
  }
}
