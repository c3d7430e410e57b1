import type { InspectContext, Inspector } from "../context.js";
import { readOptionalDir } from "../text-files.js";
import { parseApkInstalled } from "./apk.js";
import { parseDpkgStatus } from "./dpkg.js";
import { dpkgOwners } from "./dpkg-owners.js";
import { RPMDB_PATHS, readRpmHeaders, rpmPackages } from "./rpm/index.js";
import {
  type DetectedRuntime,
  DISTRIBUTION_BINARY_DIRS,
  dedupeRuntimes,
  LOCAL_BINARY_DIRS,
  NODE_VERSION_HEADERS,
  runtimeFromBinary,
  runtimeFromNodeHeader,
  runtimesFromPackages,
} from "./runtimes.js";
import type { InstalledPackage, PackageDatabase } from "./types.js";
import { VERSION_MANAGER_PATHS, venvRuntimes, versionManagerRuntimes } from "./unpackaged-runtimes.js";

export type { DetectedRuntime, RuntimeInstall } from "./runtimes.js";
export type { InstalledPackage, PackageDatabase, PackageEcosystem } from "./types.js";

export interface PackageFacts {
  packages: InstalledPackage[];
  /** Every package database found, with its format and count (empty: no package manager seen). */
  databases: PackageDatabase[];
  runtimes: DetectedRuntime[];
}

const DPKG_STATUS = "/var/lib/dpkg/status";
const DPKG_STATUS_D = "/var/lib/dpkg/status.d";
const APK_INSTALLED = "/lib/apk/db/installed";
/** Package databases can be large (an rpmdb.sqlite of a full server is ~100 MiB). */
const MAX_DB_BYTES = 512 * 1024 * 1024;

async function readDpkg(
  ctx: InspectContext,
  packages: InstalledPackage[],
  databases: PackageDatabase[],
): Promise<void> {
  const status = await ctx.image.readTextIfExists(DPKG_STATUS, MAX_DB_BYTES).catch((e: unknown) => {
    ctx.unknown(DPKG_STATUS, e);
    return undefined;
  });
  if (status !== undefined) {
    const found = parseDpkgStatus(status, DPKG_STATUS);
    packages.push(...found);
    databases.push({ path: DPKG_STATUS, format: "dpkg-status", count: found.length });
  }
  const dir = await ctx.image.statIfExists(DPKG_STATUS_D);
  if (dir?.type !== "directory") return;
  let count = 0;
  for (const entry of (await ctx.image.readdir(DPKG_STATUS_D)).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.endsWith(".md5sums")) continue;
    const p = `${DPKG_STATUS_D}/${entry.name}`;
    try {
      const found = parseDpkgStatus(await ctx.image.readText(p), p, false);
      packages.push(...found);
      count += found.length;
    } catch (e) {
      ctx.unknown(p, e);
    }
  }
  databases.push({ path: DPKG_STATUS_D, format: "dpkg-status.d", count });
}

async function readRpm(
  ctx: InspectContext,
  packages: InstalledPackage[],
  databases: PackageDatabase[],
): Promise<void> {
  const seen = new Set<string>();
  for (const { path, format } of RPMDB_PATHS) {
    try {
      const stat = await ctx.image.statIfExists(path);
      if (stat?.type !== "file") continue;
      const real = await ctx.image.resolve(path);
      if (seen.has(real)) continue; // /var/lib/rpm is often a symlink to /usr/lib/sysimage/rpm
      seen.add(real);
      const headers = readRpmHeaders(await ctx.image.readFile(path, MAX_DB_BYTES), format, path, (e) =>
        ctx.unknown(path, e),
      );
      const found = rpmPackages(headers, path);
      packages.push(...found);
      databases.push({ path, format, count: found.length });
      return; // one rpmdb per root: the newest format present is the live one
    } catch (e) {
      ctx.unknown(path, e);
    }
  }
}

async function readApk(
  ctx: InspectContext,
  packages: InstalledPackage[],
  databases: PackageDatabase[],
): Promise<void> {
  try {
    const text = await ctx.image.readTextIfExists(APK_INSTALLED, MAX_DB_BYTES);
    if (text === undefined) return;
    const found = parseApkInstalled(text, APK_INSTALLED);
    packages.push(...found);
    databases.push({ path: APK_INSTALLED, format: "apk-installed", count: found.length });
  } catch (e) {
    ctx.unknown(APK_INSTALLED, e);
  }
}

/** Is this path in a directory the distribution's packages own (not /usr/local, not /opt)? */
function inDistributionDir(path: string): boolean {
  return DISTRIBUTION_BINARY_DIRS.some((d) => path.startsWith(`${d}/`)) || path.startsWith("/usr/include/");
}

/**
 * Runtimes from packages, versioned binaries, node_version.h headers, version managers and venvs.
 * A binary in the distribution's directories is the package's that owns it: it is one of the
 * packaged runtimes when a package states that product and cycle, otherwise dpkg's file lists say
 * which package (if any) installed it. Everything under /usr/local and /opt is unpackaged.
 */
async function readRuntimes(
  ctx: InspectContext,
  packages: readonly InstalledPackage[],
): Promise<DetectedRuntime[]> {
  const packaged = runtimesFromPackages(packages);
  const packagedCycles = new Set(packaged.map((r) => `${r.product}@${r.cycle}`));
  const found: DetectedRuntime[] = [...packaged];
  const unexplained: DetectedRuntime[] = [];
  const place = (r: DetectedRuntime, realPath: string) => {
    if (!inDistributionDir(realPath)) found.push(r);
    else if (!packagedCycles.has(`${r.product}@${r.cycle}`)) unexplained.push({ ...r, evidence: realPath });
  };
  const optDirs = (await readOptionalDir(ctx, "/opt"))
    .filter((e) => e.type === "directory" && e.name !== "bin")
    .map((e) => `/opt/${e.name}`)
    .sort();
  for (const dir of [...DISTRIBUTION_BINARY_DIRS, ...LOCAL_BINARY_DIRS, ...optDirs.map((d) => `${d}/bin`)]) {
    for (const entry of await readOptionalDir(ctx, dir)) {
      const r = runtimeFromBinary(`${dir}/${entry.name}`);
      if (!r) continue;
      // /usr/local/bin/python3.11 -> /usr/bin/python3.11 is the packaged interpreter under another name.
      const real =
        entry.type === "symlink" ? await ctx.image.resolve(r.evidence).catch(() => r.evidence) : r.evidence;
      place(r, real);
    }
  }
  for (const p of [...NODE_VERSION_HEADERS, ...optDirs.map((d) => `${d}/include/node/node_version.h`)]) {
    const text = await ctx.image.readTextIfExists(p, 1024 * 1024).catch(() => undefined);
    const r = text !== undefined ? runtimeFromNodeHeader(text, p) : undefined;
    if (r) place(r, p);
  }
  const owners = await dpkgOwners(
    ctx,
    unexplained.map((r) => r.evidence),
  );
  for (const r of unexplained) {
    const owner = owners.get(r.evidence);
    found.push(owner ? { ...r, installedBy: { kind: "package", ecosystem: "dpkg", package: owner } } : r);
  }
  found.push(...(await versionManagerRuntimes(ctx)));
  const files = await ctx.get("files");
  const configs: string[] = [];
  for (const e of files.select((v) => v.name === "pyvenv.cfg" && v.type === "file")) configs.push(e.path);
  const venvCopies = await venvRuntimes(ctx, configs);
  // A venv shipped inside a package (dh-virtualenv) is that package's, not a copy someone left.
  const venvOwners = await dpkgOwners(
    ctx,
    venvCopies.map((r) => r.evidence),
  );
  found.push(...venvCopies.filter((r) => !venvOwners.has(r.evidence)));
  return dedupeRuntimes(found);
}

export const packagesInspector: Inspector<"packages"> = {
  name: "packages",
  description:
    "installed packages (dpkg, rpm BDB/NDB/SQLite, apk) and runtimes with an end of life, packaged or not (/usr/local, /opt, version managers, venv copies)",
  paths: [
    DPKG_STATUS,
    `${DPKG_STATUS_D}/*`,
    ...RPMDB_PATHS.map((r) => r.path),
    APK_INSTALLED,
    ...[...DISTRIBUTION_BINARY_DIRS, ...LOCAL_BINARY_DIRS, "/opt/*/bin"].map((d) => `${d}/*`),
    ...NODE_VERSION_HEADERS,
    "/opt/*/include/node/node_version.h",
    "/var/lib/dpkg/info/*.list",
    ...VERSION_MANAGER_PATHS,
    "/**/pyvenv.cfg",
  ],
  async inspect(ctx) {
    const packages: InstalledPackage[] = [];
    const databases: PackageDatabase[] = [];
    await readDpkg(ctx, packages, databases);
    await readRpm(ctx, packages, databases);
    await readApk(ctx, packages, databases);
    await readWindowsUninstall(ctx, packages, databases);
    return { packages, databases, runtimes: await readRuntimes(ctx, packages) };
  },
};

/**
 * Windows has no package manager: the Uninstall keys of the SOFTWARE hive (native and WOW6432Node
 * views) are the inventory, as virt-inspector and Programs and Features use them.
 */
async function readWindowsUninstall(
  ctx: InspectContext,
  packages: InstalledPackage[],
  databases: PackageDatabase[],
): Promise<void> {
  const windows = await ctx.get("windows");
  if (!windows.isWindows || windows.software.length === 0) return;
  const native = windows.architecture?.machine === "arm64" ? "arm64" : "x64";
  for (const s of windows.software) {
    packages.push({
      name: s.name,
      version: s.version ?? "",
      sourceName: s.name,
      sourceVersion: s.version ?? "",
      arch: s.view === "wow64" ? "x86" : native,
      ecosystem: "windows",
      source: s.source,
    });
  }
  databases.push({
    path: "/Windows/System32/config/SOFTWARE",
    format: "windows-uninstall",
    count: windows.software.length,
  });
}
