import type { InstalledPackage } from "./types.js";

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
}

/** Package names (dpkg, rpm, apk) → product and how to get the cycle from name or version. */
const PACKAGE_RULES: ReadonlyArray<{
  re: RegExp;
  product: string;
  cycle: (m: RegExpExecArray, version: string) => string | undefined;
}> = [
  { re: /^python(3\.\d+)$/, product: "python", cycle: (m) => m[1] },
  { re: /^(?:python3|python3-libs)$/, product: "python", cycle: (_m, v) => majorMinor(v) },
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
        });
      break;
    }
  }
  return out;
}

/** Binaries whose file name carries the cycle (outside any package manager, e.g. /usr/local). */
export const RUNTIME_BINARY_DIRS = ["/usr/bin", "/usr/local/bin", "/opt/bin"];
const BINARY_RULES: ReadonlyArray<{ re: RegExp; product: string }> = [
  { re: /^python(3\.\d+)$/, product: "python" },
  { re: /^php(\d+\.\d+)$/, product: "php" },
  { re: /^ruby(\d+\.\d+)$/, product: "ruby" },
];

export function runtimeFromBinary(path: string): DetectedRuntime | undefined {
  const name = path.slice(path.lastIndexOf("/") + 1);
  for (const r of BINARY_RULES) {
    const m = r.re.exec(name);
    if (m) return { product: r.product, cycle: m[1]!, evidence: path };
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
  };
}

/** One entry per product and cycle (the first evidence wins). */
export function dedupeRuntimes(list: readonly DetectedRuntime[]): DetectedRuntime[] {
  const seen = new Map<string, DetectedRuntime>();
  for (const r of list) if (!seen.has(`${r.product}@${r.cycle}`)) seen.set(`${r.product}@${r.cycle}`, r);
  return [...seen.values()];
}
