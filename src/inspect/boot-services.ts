/**
 * What an instance of the image starts at boot, as a listing names it (PUB-1 "daemons/services"):
 * systemd unit files in the state `systemctl list-unit-files --state=enabled` calls enabled, SysV
 * scripts the sysv generator would start, OpenRC runlevel entries, and Windows services set to start
 * automatically.
 *
 * systemd's "enabled" (systemd 252, src/shared/install.c, confirmed against systemctl --root on
 * trees in boot-services.test.ts) is about symlinks in the configuration directory
 * /etc/systemd/system only:
 *  - a symlink named exactly as the unit in a `*.wants/` or `*.requires/` folder (its target does
 *    not matter; an alias name, a copy, `.upholds/` and nested folders do not count);
 *  - for a template `foo@.service`: a link named `foo@.service`, or `foo@I.service` where I is the
 *    template's `DefaultInstance=` (other instances make it "indirect");
 *  - a top-level symlink named by one of the unit's `[Install] Alias=` names.
 * Links under /usr/lib (vendor presets) and /run (runtime) do not make a unit "enabled".
 */
import { baseName, joinImagePath } from "../fs/path.js";
import type { InspectContext, Inspector } from "./context.js";
import { readOptionalDir, splitLines } from "./text-files.js";

export interface BootService {
  /** "ssh.service", "apt-daily.timer" (systemd), "hwclock.sh" (SysV, OpenRC), "W32Time" (Windows). */
  name: string;
  via: "systemd" | "sysv" | "openrc" | "windows";
  /** What makes it start: the enabling link, or the registry key of a Windows service. */
  source: string;
  /** A Windows service's DisplayName. */
  displayName?: string;
}

export interface BootServiceFacts {
  /** systemd units first (by name, as systemctl lists them), then SysV, OpenRC and Windows services. */
  services: BootService[];
}

const CONFIG_DIR = "/etc/systemd/system";
const ENABLING_DIR = /\.(wants|requires)$/;
/** Unit files are small; [Install] is read from at most this much of each. */
const MAX_UNIT_FILE = 256 * 1024;

/** `[Install]` keys that decide "enabled" besides the wants links. */
export interface InstallSection {
  aliases: string[];
  defaultInstance?: string;
}

/** The [Install] section's Alias= names and DefaultInstance= of a unit file (systemd.unit(5)). */
export function parseInstallSection(text: string): InstallSection {
  const out: InstallSection = { aliases: [] };
  let inInstall = false;
  for (const raw of splitLines(text)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      inInstall = section[1] === "Install";
      continue;
    }
    if (!inInstall) continue;
    const kv = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    if (kv[1] === "Alias") {
      // An empty assignment resets the list (systemd.syntax(7)).
      if (kv[2]!.trim() === "") out.aliases = [];
      else out.aliases.push(...kv[2]!.trim().split(/\s+/));
    } else if (kv[1] === "DefaultInstance") out.defaultInstance = kv[2]!.trim();
  }
  return out;
}

/** "getty@.service" → ["getty@", ".service"]; undefined when not a template. */
function templateParts(name: string): [string, string] | undefined {
  const m = /^([^@]+@)(\.[a-z]+)$/.exec(name);
  return m ? [m[1]!, m[2]!] : undefined;
}

async function installSection(ctx: InspectContext, path: string): Promise<InstallSection> {
  try {
    const text = await ctx.image.readTextIfExists(path, MAX_UNIT_FILE);
    return text === undefined ? { aliases: [] } : parseInstallSection(text);
  } catch (e) {
    ctx.unknown(path, e);
    return { aliases: [] };
  }
}

/** The systemd unit files systemctl calls enabled, by name. */
async function enabledUnits(ctx: InspectContext): Promise<BootService[]> {
  const services = await ctx.get("services");
  // Links that can enable: symlinks directly inside /etc/systemd/system/*.wants|*.requires.
  const linksByName = new Map<string, string>();
  // Top-level symlinks by the unit they name: alias links, if the unit declares the alias.
  const aliasLinks = new Map<string, Map<string, string>>();
  for (const entry of await readOptionalDir(ctx, CONFIG_DIR)) {
    const path = joinImagePath(CONFIG_DIR, entry.name);
    if (entry.type === "symlink") {
      let target: string;
      try {
        target = baseName(await ctx.image.readlink(path));
      } catch (e) {
        ctx.unknown(path, e);
        continue;
      }
      if (target === entry.name) continue;
      const byName = aliasLinks.get(target) ?? new Map<string, string>();
      byName.set(entry.name, path);
      aliasLinks.set(target, byName);
    }
    if (entry.type !== "directory" || !ENABLING_DIR.test(entry.name)) continue;
    for (const link of await readOptionalDir(ctx, path))
      if (link.type === "symlink" && !linksByName.has(link.name))
        linksByName.set(link.name, joinImagePath(path, link.name));
  }
  const instanceLinked = new Set<string>();
  for (const name of linksByName.keys()) {
    const m = /^([^@]+@)[^@]+(\.[a-z]+)$/.exec(name);
    if (m) instanceLinked.add(`${m[1]}${m[2]}`);
  }
  const out: BootService[] = [];
  for (const unit of services.units) {
    if (services.isMasked(unit.name) || services.aliases.has(unit.name)) continue;
    let source = linksByName.get(unit.name);
    const aliases = aliasLinks.get(unit.name);
    // [Install] is read only where it can decide: an instance link or an alias link exists.
    if (source === undefined && (instanceLinked.has(unit.name) || aliases !== undefined)) {
      const install = await installSection(ctx, unit.path);
      const template = templateParts(unit.name);
      if (template && install.defaultInstance !== undefined)
        source = linksByName.get(`${template[0]}${install.defaultInstance}${template[1]}`);
      source ??= install.aliases.map((a) => aliases?.get(a)).find((p) => p !== undefined);
    }
    if (source !== undefined) out.push({ name: unit.name, via: "systemd", source });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function readBootServices(ctx: InspectContext): Promise<BootServiceFacts> {
  const services = await ctx.get("services");
  const out = await enabledUnits(ctx);
  const seen = new Set<string>();
  for (const e of services.enabled) {
    if (e.via === "systemd" || seen.has(`${e.via}:${e.name}`)) continue;
    seen.add(`${e.via}:${e.name}`);
    out.push({ name: e.name, via: e.via, source: e.path });
  }
  const windows = await ctx.get("windows");
  for (const s of windows.services)
    out.push({
      name: s.name,
      via: "windows",
      source: s.source,
      ...(s.displayName !== undefined ? { displayName: s.displayName } : {}),
    });
  return { services: out };
}

export const bootServicesInspector: Inspector<"bootServices"> = {
  name: "bootServices",
  description:
    "what starts at boot as a listing names it: systemd units systemctl calls enabled, SysV and OpenRC services, Windows automatic services",
  paths: [`${CONFIG_DIR}/*`, `${CONFIG_DIR}/*.wants/*`, `${CONFIG_DIR}/*.requires/*`],
  inspect: readBootServices,
};
