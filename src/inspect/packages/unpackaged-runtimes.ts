import type { InspectContext } from "../context.js";
import { accountHomes, groupByHome, leftBehindHomes } from "../homes.js";
import { readOptionalDir } from "../text-files.js";
import type { DetectedRuntime } from "./runtimes.js";

/**
 * Where a language version manager keeps each installed version: one folder per version, named so
 * that the release cycle can be read from it. `dir` is relative to a home, or absolute.
 */
interface VersionManagerLayout {
  manager: string;
  product: string;
  dir: string;
  /** The release cycle from a version folder's name; undefined for builds that are not that product's (pypy, conda). */
  cycle: (name: string) => string | undefined;
}

/** "3.8.18", "3.11-dev", "3.13.0t" → "3.8"; "pypy3.9-7.3.11", "miniconda3-latest" → undefined. */
const dottedCycle = (name: string) => /^(\d+\.\d+)(?:[.\-t]|$)/.exec(name)?.[1];
/** "v16.20.2" or "16.20.2" → "16". */
const nodeCycle = (name: string) => /^v?(\d+)\.\d+/.exec(name)?.[1];
/** uv's "cpython-3.8.20-linux-x86_64-gnu" → "3.8". */
const uvCycle = (name: string) => /^cpython-(\d+\.\d+)\./.exec(name)?.[1];

/** Each manager's documented install folder (its default root; the *_ROOT variables move it). */
const HOME_LAYOUTS: readonly VersionManagerLayout[] = [
  { manager: "pyenv", product: "python", dir: ".pyenv/versions", cycle: dottedCycle },
  { manager: "nvm", product: "nodejs", dir: ".nvm/versions/node", cycle: nodeCycle },
  { manager: "rbenv", product: "ruby", dir: ".rbenv/versions", cycle: dottedCycle },
  { manager: "asdf", product: "python", dir: ".asdf/installs/python", cycle: dottedCycle },
  { manager: "asdf", product: "nodejs", dir: ".asdf/installs/nodejs", cycle: nodeCycle },
  { manager: "asdf", product: "ruby", dir: ".asdf/installs/ruby", cycle: dottedCycle },
  { manager: "asdf", product: "php", dir: ".asdf/installs/php", cycle: dottedCycle },
  { manager: "mise", product: "python", dir: ".local/share/mise/installs/python", cycle: dottedCycle },
  { manager: "mise", product: "nodejs", dir: ".local/share/mise/installs/node", cycle: nodeCycle },
  { manager: "mise", product: "ruby", dir: ".local/share/mise/installs/ruby", cycle: dottedCycle },
  { manager: "volta", product: "nodejs", dir: ".volta/tools/image/node", cycle: nodeCycle },
  { manager: "fnm", product: "nodejs", dir: ".local/share/fnm/node-versions", cycle: nodeCycle },
  { manager: "uv", product: "python", dir: ".local/share/uv/python", cycle: uvCycle },
];

/** Shared installs: a manager set up for every user under /usr/local or /opt, and tj/n's default prefix. */
const SYSTEM_LAYOUTS: readonly VersionManagerLayout[] = [
  { manager: "pyenv", product: "python", dir: "/usr/local/pyenv/versions", cycle: dottedCycle },
  { manager: "pyenv", product: "python", dir: "/opt/pyenv/versions", cycle: dottedCycle },
  { manager: "nvm", product: "nodejs", dir: "/usr/local/nvm/versions/node", cycle: nodeCycle },
  { manager: "nvm", product: "nodejs", dir: "/opt/nvm/versions/node", cycle: nodeCycle },
  { manager: "rbenv", product: "ruby", dir: "/usr/local/rbenv/versions", cycle: dottedCycle },
  { manager: "rbenv", product: "ruby", dir: "/opt/rbenv/versions", cycle: dottedCycle },
  { manager: "n", product: "nodejs", dir: "/usr/local/n/versions/node", cycle: nodeCycle },
];

/** Globs of everything the version-manager search reads (for the inspector's declared paths). */
export const VERSION_MANAGER_PATHS = [
  ...HOME_LAYOUTS.map((l) => `/**/${l.dir}/*`),
  ...SYSTEM_LAYOUTS.map((l) => `${l.dir}/*`),
];

/** More version folders than this under one manager is no real install; the rest are not looked at. */
const MAX_VERSIONS = 1000;

async function fromLayout(
  ctx: Pick<InspectContext, "image" | "unknown">,
  layout: VersionManagerLayout,
  dir: string,
): Promise<DetectedRuntime[]> {
  const out: DetectedRuntime[] = [];
  for (const entry of (await readOptionalDir(ctx, dir)).slice(0, MAX_VERSIONS)) {
    if (entry.type !== "directory") continue;
    const cycle = layout.cycle(entry.name);
    if (!cycle) continue;
    out.push({
      product: layout.product,
      cycle,
      version: entry.name.replace(/^v/, ""),
      evidence: `${dir}/${entry.name}`,
      installedBy: { kind: "unpackaged", via: "version-manager", manager: layout.manager },
    });
  }
  return out;
}

/**
 * Runtimes installed by version managers (pyenv, nvm, rbenv, asdf, mise, volta, fnm, uv, n) in any
 * account's home, in homes left behind in /home, and in their shared system-wide places.
 */
export async function versionManagerRuntimes(ctx: InspectContext): Promise<DetectedRuntime[]> {
  const out: DetectedRuntime[] = [];
  const homes = await accountHomes(ctx);
  const all = [...homes, ...(await leftBehindHomes(ctx, homes))];
  for (const home of [...groupByHome(all).keys()].sort()) {
    if (home === "/") continue; // daemon accounts' "home"; the system-wide places are searched below
    // One listing per home: only the managers whose top folder is there are looked into.
    const top = new Set((await readOptionalDir(ctx, home)).map((e) => e.name));
    if (top.size === 0) continue;
    for (const layout of HOME_LAYOUTS) {
      if (!top.has(layout.dir.slice(0, layout.dir.indexOf("/")))) continue;
      out.push(...(await fromLayout(ctx, layout, `${home}/${layout.dir}`)));
    }
  }
  for (const layout of SYSTEM_LAYOUTS) out.push(...(await fromLayout(ctx, layout, layout.dir)));
  return out;
}

/** pyvenv.cfg's `version` (venv) or `version_info` (virtualenv, uv): "3.8.10" → "3.8". */
export function venvCycle(cfg: string): { cycle: string; version: string } | undefined {
  for (const line of cfg.split("\n")) {
    const m = /^\s*(version|version_info)\s*=\s*(\d+)\.(\d+)(\.\d+)?/.exec(line);
    if (m) return { cycle: `${m[2]}.${m[3]}`, version: `${m[2]}.${m[3]}${m[4] ?? ""}` };
  }
  return undefined;
}

/** A venv's interpreter names, most specific first. */
const VENV_INTERPRETERS = (cycle: string) => [`bin/python${cycle}`, "bin/python3", "bin/python"];

/**
 * Virtual environments that carry their own copy of the interpreter (`python -m venv --copies`, or
 * a copied tree): the copy is not updated when the package it was copied from is, so upstream's
 * dates apply to it. A venv whose interpreter is a symlink uses the base one, judged where it is.
 * `pyvenvConfigs` are the pyvenv.cfg files of the image (from the file index).
 */
export async function venvRuntimes(
  ctx: InspectContext,
  pyvenvConfigs: readonly string[],
): Promise<DetectedRuntime[]> {
  const out: DetectedRuntime[] = [];
  for (const cfgPath of pyvenvConfigs) {
    const dir = cfgPath.slice(0, cfgPath.lastIndexOf("/"));
    let text: string | undefined;
    try {
      text = await ctx.image.readTextIfExists(cfgPath, 64 * 1024);
    } catch (e) {
      ctx.unknown(cfgPath, e);
      continue;
    }
    const v = text === undefined ? undefined : venvCycle(text);
    if (!v) continue;
    for (const name of VENV_INTERPRETERS(v.cycle)) {
      const st = await ctx.image.lstat(`${dir}/${name}`).catch(() => undefined);
      if (!st) continue;
      if (st.type === "file")
        out.push({
          product: "python",
          cycle: v.cycle,
          version: v.version,
          evidence: `${dir}/${name}`,
          installedBy: { kind: "unpackaged", via: "venv" },
        });
      break; // the first interpreter present decides: a symlink means the base interpreter
    }
  }
  return out;
}
