import type { DirEntry } from "../fs/filetree.js";
import { baseName, joinImagePath } from "../fs/path.js";
import type { InspectContext, Inspector } from "./context.js";
import { readOptionalDir } from "./text-files.js";

export type InitSystem = "systemd" | "sysv" | "openrc";

/** A service started at boot, and the link that makes it so. */
export interface EnabledService {
  /** Unit name ("ssh.service", "getty@tty1.service") or init script name ("sshd"). */
  name: string;
  via: InitSystem;
  /** The unit, runlevel or OpenRC runlevel that pulls it in: "multi-user.target", "rc2", "default". */
  target: string;
  /** The enabling link: "/etc/systemd/system/multi-user.target.wants/ssh.service". */
  path: string;
}

export interface UnitFile {
  name: string;
  path: string;
}

export interface ServiceFacts {
  /** Init systems with evidence in the image (binaries or configuration). */
  initSystems: InitSystem[];
  /** Installed systemd unit files (highest-precedence directory wins). */
  units: UnitFile[];
  /** Alias unit name → the unit it names ("sshd.service" → "ssh.service"). */
  aliases: ReadonlyMap<string, string>;
  /** Units masked by a link to /dev/null. */
  masked: UnitFile[];
  enabled: EnabledService[];
  /** Scripts in /etc/init.d (SysV and OpenRC). */
  initScripts: string[];
  /** How a service is enabled at boot ("ssh", "sshd.service", "ssh.socket"), or undefined. */
  isEnabled(name: string): EnabledService | undefined;
  /** A unit file for this name (alias, template instance) is installed. */
  unitExists(name: string): boolean;
  isMasked(name: string): boolean;
}

/** systemd.unit(5) search path, highest precedence first (/lib is usually a link to /usr/lib). */
export const UNIT_DIRS = [
  "/etc/systemd/system",
  "/usr/local/lib/systemd/system",
  "/usr/lib/systemd/system",
  "/lib/systemd/system",
];
const UNIT_SUFFIX = /\.(service|socket|timer|target|path|mount|automount|swap|slice|scope|device)$/;
const DEPENDENCY_DIR = /^(.+)\.(wants|requires|upholds)$/;
/** Runlevels a normal boot passes through (0, 1 and 6 are halt, single-user and reboot). */
const SYSV_DIRS = ["2", "3", "4", "5", "S"].flatMap((r) => [`/etc/rc${r}.d`, `/etc/rc.d/rc${r}.d`]);
const OPENRC_LEVELS = ["sysinit", "boot", "default"];
/** Bound on entries read from one directory. */
const MAX_DIR_ENTRIES = 100_000;

async function list(ctx: InspectContext, dir: string): Promise<DirEntry[]> {
  return (await readOptionalDir(ctx, dir))
    .slice(0, MAX_DIR_ENTRIES)
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function resolvedDir(ctx: InspectContext, dir: string): Promise<string | undefined> {
  try {
    return await ctx.image.resolve(dir);
  } catch {
    return undefined;
  }
}

/** "getty@tty1.service" → "getty@.service" (the template an instance comes from). */
function templateOf(name: string): string | undefined {
  const m = /^([^@]+)@[^@]+(\.[a-z]+)$/.exec(name);
  return m ? `${m[1]}@${m[2]}` : undefined;
}

export async function readServices(ctx: InspectContext): Promise<ServiceFacts> {
  const units = new Map<string, UnitFile>();
  const masked = new Map<string, UnitFile>();
  const aliases = new Map<string, string>();
  const decided = new Set<string>();
  const links: EnabledService[] = [];
  const seenDirs = new Set<string>();
  for (const dir of UNIT_DIRS) {
    const real = await resolvedDir(ctx, dir);
    if (!real || seenDirs.has(real)) continue;
    seenDirs.add(real);
    for (const entry of await list(ctx, dir)) {
      const path = joinImagePath(dir, entry.name);
      const dep = DEPENDENCY_DIR.exec(entry.name);
      if (dep && entry.type === "directory") {
        for (const link of await list(ctx, path))
          if (UNIT_SUFFIX.test(link.name))
            links.push({
              name: link.name,
              via: "systemd",
              target: dep[1]!,
              path: joinImagePath(path, link.name),
            });
        continue;
      }
      if (!UNIT_SUFFIX.test(entry.name)) continue;
      // The first directory that defines a name decides whether it is a unit, an alias or a mask.
      const first = !decided.has(entry.name);
      decided.add(entry.name);
      if (entry.type === "symlink") {
        let target: string;
        try {
          target = await ctx.image.readlink(path);
        } catch (e) {
          ctx.unknown(path, e);
          continue;
        }
        const named = baseName(target);
        if (target === "/dev/null") {
          if (first) masked.set(entry.name, { name: entry.name, path });
        } else if (named !== entry.name && UNIT_SUFFIX.test(named)) {
          if (first) aliases.set(entry.name, named);
        } else if (!units.has(entry.name)) units.set(entry.name, { name: entry.name, path });
      } else if (entry.type === "file" && !units.has(entry.name))
        units.set(entry.name, { name: entry.name, path });
    }
  }
  const canonical = (name: string) => aliases.get(name) ?? name;
  const unitExists = (name: string) => {
    const n = canonical(name);
    const t = templateOf(n);
    return units.has(n) || (t !== undefined && units.has(t));
  };
  const isMasked = (name: string) => masked.has(name) || masked.has(canonical(name));

  const enabled: EnabledService[] = [];
  const enabledBy = new Map<string, EnabledService>();
  const add = (key: string, s: EnabledService) => {
    enabled.push(s);
    if (!enabledBy.has(key)) enabledBy.set(key, s);
  };
  for (const link of links) if (!isMasked(link.name)) add(canonical(link.name), link);

  // systemd-sysv-generator uses an rc link only when no native unit of that name exists.
  for (const dir of SYSV_DIRS) {
    const real = await resolvedDir(ctx, dir);
    if (!real || seenDirs.has(real)) continue;
    seenDirs.add(real);
    for (const entry of await list(ctx, dir)) {
      const m = /^S\d{2}(.+)$/.exec(entry.name);
      if (!m || unitExists(`${m[1]}.service`) || isMasked(`${m[1]}.service`)) continue;
      // A link whose script was removed starts nothing.
      if (!(await ctx.image.exists(joinImagePath(real, entry.name)).catch(() => false))) continue;
      add(m[1]!, {
        name: m[1]!,
        via: "sysv",
        target: `rc${dir.slice(-3, -2)}`,
        path: joinImagePath(real, entry.name),
      });
    }
  }
  for (const level of OPENRC_LEVELS) {
    const dir = `/etc/runlevels/${level}`;
    for (const entry of await list(ctx, dir))
      add(entry.name, {
        name: entry.name,
        via: "openrc",
        target: level,
        path: joinImagePath(dir, entry.name),
      });
  }

  const initSystems: InitSystem[] = [];
  const exists = (p: string) => ctx.image.exists(p).catch(() => false);
  if ((await exists("/usr/lib/systemd/systemd")) || (await exists("/lib/systemd/systemd")))
    initSystems.push("systemd");
  if ((await exists("/etc/inittab")) || enabled.some((e) => e.via === "sysv")) initSystems.push("sysv");
  if ((await exists("/sbin/openrc")) || (await exists("/etc/runlevels"))) initSystems.push("openrc");

  return {
    initSystems,
    units: [...units.values()],
    aliases,
    masked: [...masked.values()],
    enabled,
    initScripts: (await list(ctx, "/etc/init.d")).map((e) => e.name),
    isEnabled(name) {
      if (UNIT_SUFFIX.test(name)) return enabledBy.get(canonical(name));
      return enabledBy.get(canonical(`${name}.service`)) ?? enabledBy.get(name);
    },
    unitExists,
    isMasked,
  };
}

export const servicesInspector: Inspector<"services"> = {
  name: "services",
  description:
    "services started at boot: systemd wants links, aliases and masks, SysV rc links, OpenRC runlevels",
  paths: [
    ...UNIT_DIRS.flatMap((d) => [`${d}/*`, `${d}/*.wants/*`, `${d}/*.requires/*`]),
    ...SYSV_DIRS.map((d) => `${d}/*`),
    ...OPENRC_LEVELS.map((l) => `/etc/runlevels/${l}/*`),
    "/etc/init.d/*",
    "/usr/lib/systemd/systemd",
    "/etc/inittab",
  ],
  inspect: readServices,
};
