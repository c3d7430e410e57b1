import type { InstalledPackage } from "./types.js";

/**
 * How a runtime came onto the image, which decides whose end-of-life dates apply to it (SEC-2):
 * - `package`: the distribution's package manager installed it; the distribution patches it while
 *   the release is supported (Debian patches its nginx 1.22 long after upstream ended 1.22).
 *   `component` is the archive component when the package names one (Ubuntu's "universe").
 * - `unpackaged`: installed outside the package manager (/usr/local, /opt, a version manager such as
 *   pyenv or nvm, a venv's own copy of the interpreter): only its upstream patches it.
 */
export type RuntimeInstall =
  | { kind: "package"; ecosystem: "dpkg" | "rpm" | "apk"; package: string; component?: string }
  | { kind: "unpackaged"; via: "binary" | "node-header" | "version-manager" | "venv"; manager?: string };

/**
 * A language runtime or server that has an end-of-life date, found from a package or a file name.
 * `product` is the endoflife.date product id; `cycle` its release cycle ("3.11", "20", "8.2").
 */
export interface DetectedRuntime {
  product: string;
  cycle: string;
  version?: string;
  /** The package name or file that told us. */
  evidence: string;
  installedBy: RuntimeInstall;
}

/** Package names (dpkg, rpm, apk) → product and how to get the cycle from name or version. */
const PACKAGE_RULES: ReadonlyArray<{
  re: RegExp;
  product: string;
  cycle: (m: RegExpExecArray, version: string) => string | undefined;
}> = [
  // Debian/Ubuntu python3.11 and python3.11-minimal (which owns /usr/bin/python3.11); RHEL 8's
  // python38/python39 and its platform-python.
  { re: /^python(3\.\d+)(?:-minimal)?$/, product: "python", cycle: (m) => m[1] },
  { re: /^python3(\d{1,2})$/, product: "python", cycle: (m) => `3.${m[1]}` },
  {
    re: /^(?:python3|python3-minimal|python3-libs|platform-python)$/,
    product: "python",
    cycle: (_m, v) => majorMinor(v),
  },
  { re: /^nodejs$/, product: "nodejs", cycle: (_m, v) => major(v) },
  { re: /^php(\d+\.\d+)(?:-cli|-fpm)?$/, product: "php", cycle: (m) => m[1] },
  { re: /^php(?:-cli)?$/, product: "php", cycle: (_m, v) => majorMinor(v) },
  { re: /^ruby(\d+\.\d+)$/, product: "ruby", cycle: (m) => m[1] },
  { re: /^ruby$/, product: "ruby", cycle: (_m, v) => majorMinor(v) },
  { re: /^postgresql-(\d+)$/, product: "postgresql", cycle: (m) => m[1] },
  { re: /^postgresql(\d+)?-server$/, product: "postgresql", cycle: (m, v) => m[1] ?? major(v) },
  { re: /^mysql-server(?:-(\d+\.\d+))?$/, product: "mysql", cycle: (m, v) => m[1] ?? majorMinor(v) },
  { re: /^mariadb-server(?:-(\d+\.\d+))?$/, product: "mariadb", cycle: (m, v) => m[1] ?? majorMinor(v) },
  { re: /^nginx(?:-core)?$/, product: "nginx", cycle: (_m, v) => majorMinor(v) },
];

function upstream(version: string): string {
  return version.replace(/^\d+:/, "").replace(/[-+~].*$/, "");
}
function major(version: string): string | undefined {
  return /^(\d+)/.exec(upstream(version))?.[1];
}
function majorMinor(version: string): string | undefined {
  const m = /^(\d+)\.(\d+)/.exec(upstream(version));
  return m ? `${m[1]}.${m[2]}` : undefined;
}
export function runtimesFromPackages(packages: readonly InstalledPackage[]): DetectedRuntime[] {
  const out: DetectedRuntime[] = [];
  for (const p of packages) {
    const ecosystem = p.ecosystem;
    // Windows' Uninstall entries and detector records are not a package manager that patches.
    if (ecosystem !== "dpkg" && ecosystem !== "rpm" && ecosystem !== "apk") continue;
    const component = p.section?.includes("/") ? p.section.slice(0, p.section.indexOf("/")) : undefined;
    for (const rule of PACKAGE_RULES) {
      const m = rule.re.exec(p.name);
      if (!m) continue;
      const cycle = rule.cycle(m, p.version);
      if (cycle)
        out.push({
          product: rule.product,
          cycle,
          version: upstream(p.version),
          evidence: `${p.ecosystem} package ${p.name}`,
          installedBy: { kind: "package", ecosystem, package: p.name, ...(component ? { component } : {}) },
        });
      break;
    }
  }
  return out;
}

/**
 * Where versioned binaries are looked for. /usr/bin is the distribution's: a binary there is the
 * package's that owns it. /usr/local and /opt are the local administrator's (FHS 3.0 §4.9, §3.13):
 * nothing there is patched by the distribution, whoever put it there.
 */
export const DISTRIBUTION_BINARY_DIRS = ["/usr/bin"];
export const LOCAL_BINARY_DIRS = ["/usr/local/bin", "/opt/bin"];
const BINARY_RULES: ReadonlyArray<{ re: RegExp; product: string }> = [
  { re: /^python(3\.\d+)$/, product: "python" },
  { re: /^php(\d+\.\d+)$/, product: "php" },
  { re: /^ruby(\d+\.\d+)$/, product: "ruby" },
];

/** The runtime a versioned binary's name states (python3.8, php7.4, ruby3.0), installed outside the package manager. */
export function runtimeFromBinary(path: string): DetectedRuntime | undefined {
  const name = path.slice(path.lastIndexOf("/") + 1);
  for (const r of BINARY_RULES) {
    const m = r.re.exec(name);
    if (m)
      return {
        product: r.product,
        cycle: m[1]!,
        evidence: path,
        installedBy: { kind: "unpackaged", via: "binary" },
      };
  }
  return undefined;
}

/** node_version.h (installed with every Node.js build) states the version without running node. */
export const NODE_VERSION_HEADERS = [
  "/usr/local/include/node/node_version.h",
  "/usr/include/node/node_version.h",
];

export function runtimeFromNodeHeader(text: string, path: string): DetectedRuntime | undefined {
  const get = (k: string) => new RegExp(`#define\\s+NODE_${k}_VERSION\\s+(\\d+)`).exec(text)?.[1];
  const maj = get("MAJOR");
  if (!maj) return undefined;
  return {
    product: "nodejs",
    cycle: maj,
    version: `${maj}.${get("MINOR") ?? 0}.${get("PATCH") ?? 0}`,
    evidence: path,
    installedBy: { kind: "unpackaged", via: "node-header" },
  };
}

/**
 * One entry per product and cycle among packaged runtimes (python3, python3.11 and
 * python3.11-minimal are one Python 3.11), and per product, cycle and place among the others (a
 * Python 3.8 in /usr/local and another in a pyenv are two things to remove). The first evidence wins.
 */
export function dedupeRuntimes(list: readonly DetectedRuntime[]): DetectedRuntime[] {
  const seen = new Map<string, DetectedRuntime>();
  for (const r of list) {
    const where = r.installedBy.kind === "package" ? "package" : r.evidence;
    const key = `${r.product}@${r.cycle}@${where}`;
    if (!seen.has(key)) seen.set(key, r);
  }
  return [...seen.values()];
}
