import type { DirReadContext } from "../text-files.js";
import { readOptionalDir } from "../text-files.js";

const DPKG_INFO = "/var/lib/dpkg/info";
const MAX_LIST = 16 * 1024 * 1024;

/**
 * The dpkg package that installed each of `paths` (from /var/lib/dpkg/info/<package>[:arch].list),
 * for the few files whose owner matters; a path no list names is absent from the result. A list
 * written before the /usr merge names "/bin/x" for what is now "/usr/bin/x", so both spellings match.
 */
export async function dpkgOwners(
  ctx: DirReadContext,
  paths: readonly string[],
): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  if (paths.length === 0) return owners;
  const wanted = new Map<string, string>();
  for (const p of paths) {
    wanted.set(p, p);
    if (p.startsWith("/usr/")) wanted.set(p.slice(4), p);
  }
  const lists = (await readOptionalDir(ctx, DPKG_INFO))
    .map((e) => e.name)
    .filter((n) => n.endsWith(".list"))
    .sort();
  for (const name of lists) {
    let text: string;
    try {
      text = await ctx.image.readText(`${DPKG_INFO}/${name}`, MAX_LIST);
    } catch (e) {
      ctx.unknown(`${DPKG_INFO}/${name}`, e);
      continue;
    }
    const pkg = name.slice(0, -".list".length).replace(/:[^:]+$/, "");
    for (const line of text.split("\n")) {
      const path = wanted.get(line);
      if (path !== undefined && !owners.has(path)) owners.set(path, pkg);
    }
    if (owners.size === paths.length) break;
  }
  return owners;
}
