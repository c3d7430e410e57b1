import type { RangeEvent, VulnDb } from "./db/index.js";
import * as apk from "./version/apk.js";
import * as dpkg from "./version/dpkg.js";
import * as rpm from "./version/rpm.js";

export interface VulnerablePackage {
  advisory: string;
  /** CVE and other ids the advisory names. */
  aliases: string[];
  package: string;
  /** The name the advisory is keyed by (the source package on Debian/Ubuntu/Alpine). */
  matchedName: string;
  installed: string;
  /** The first fixed version above the installed one (undefined: no fix yet). */
  fixed?: string;
  severity?: string;
  summary?: string;
  ecosystem: string;
  release: string;
}

/** What the matcher needs of an installed package (an inspector's InstalledPackage has these fields). */
export interface MatchablePackage {
  name: string;
  version: string;
  /** The source package; advisories are keyed by it where the ecosystem names packages by source. */
  sourceName: string;
  sourceVersion: string;
}

type Compare = (a: string, b: string) => number;

/** Where the detected OS's advisories live, how they name packages, and their version order. */
export interface OsEcosystem {
  ecosystem: string;
  release: string;
  bySource: boolean;
  compare: Compare;
}

/** os-release ID/VERSION_ID → OSV ecosystem and release (ossf/osv-schema ecosystems.json); ALAS for Amazon Linux. */
export function ecosystemFor(os: { id?: string; version?: string }): OsEcosystem | undefined {
  const id = os.id?.toLowerCase();
  const v = os.version ?? "";
  const major = /^(\d+)/.exec(v)?.[1] ?? "";
  const majorMinor = /^(\d+\.\d+)/.exec(v)?.[1] ?? major;
  switch (id) {
    case "debian":
      return { ecosystem: "Debian", release: major, bySource: true, compare: dpkg.compare };
    case "ubuntu":
      return { ecosystem: "Ubuntu", release: majorMinor, bySource: true, compare: dpkg.compare };
    case "alpine":
      return { ecosystem: "Alpine", release: majorMinor, bySource: true, compare: apk.compare };
    case "almalinux":
      return { ecosystem: "AlmaLinux", release: major, bySource: false, compare: rpm.compare };
    case "rocky":
      return { ecosystem: "Rocky Linux", release: major, bySource: false, compare: rpm.compare };
    case "rhel":
      return { ecosystem: "Red Hat", release: major, bySource: false, compare: rpm.compare };
    case "sles":
    case "sles_sap":
      return {
        ecosystem: "SUSE",
        release: v.replace(/^(\d+)\.(\d+).*/, "$1.$2"),
        bySource: false,
        compare: rpm.compare,
      };
    case "amzn":
      return {
        ecosystem: "Amazon Linux",
        release: v.includes(".") ? "1" : v,
        bySource: false,
        compare: rpm.compare,
      };
    default:
      return undefined;
  }
}

/**
 * Whether `version` lies in one OSV range (OSV schema "Evaluation"): events in version order;
 * introduced opens, fixed closes (fixed itself is not affected), last_affected closes after itself.
 */
export function inRange(version: string, events: readonly RangeEvent[], compare: Compare): boolean {
  const key = (e: RangeEvent) => e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? "0";
  const sorted = [...events].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === "0" || kb === "0") return ka === kb ? 0 : ka === "0" ? -1 : 1;
    return compare(ka, kb);
  });
  let affected = false;
  for (const e of sorted) {
    if (e.introduced !== undefined) {
      if (e.introduced === "0" || compare(version, e.introduced) >= 0) affected = true;
    } else if (e.fixed !== undefined) {
      if (compare(version, e.fixed) >= 0) affected = false;
    } else if (e.last_affected !== undefined) {
      if (compare(version, e.last_affected) > 0) affected = false;
    } else if (e.limit !== undefined) {
      if (compare(version, e.limit) >= 0) affected = false;
    }
  }
  return affected;
}

interface AffectedRow {
  advisory_id: string;
  ranges: string;
  versions: string;
  aliases: string;
  severity: string | null;
  summary: string | null;
}

/** One advisory's entry for a package, parsed from its row. */
export interface AffectedEntry {
  advisory: string;
  ranges: RangeEvent[][];
  versions: string[];
  aliases: string[];
  severity?: string;
  summary?: string;
}

/** A package's advisory entries in one ecosystem release (withdrawn advisories left out). */
export type AffectedLookup = (ecosystem: string, release: string, name: string) => readonly AffectedEntry[];

/**
 * The lookup over one open database: one prepared query, each (ecosystem, release, package)
 * asked once and kept parsed. Kept for as long as the caller keeps the lookup: one matching, or
 * every image of a re-judging run (at most `maxCached` packages, then it starts over).
 */
export function affectedLookup(db: VulnDb, maxCached = 200_000): AffectedLookup {
  const query = db.prepare(
    `SELECT f.advisory_id, f.ranges, f.versions, a.aliases, a.severity, a.summary
       FROM affected f JOIN advisories a ON a.id = f.advisory_id
      WHERE f.ecosystem = ? AND f.release = ? AND f.package = ? AND a.withdrawn IS NULL`,
  );
  const cache = new Map<string, AffectedEntry[]>();
  return (ecosystem, release, name) => {
    const key = `${ecosystem}\0${release}\0${name}`;
    let entries = cache.get(key);
    if (!entries) {
      entries = (query.all(ecosystem, release, name) as AffectedRow[]).map((row) => ({
        advisory: row.advisory_id,
        ranges: JSON.parse(row.ranges) as RangeEvent[][],
        versions: JSON.parse(row.versions) as string[],
        aliases: JSON.parse(row.aliases) as string[],
        ...(row.severity ? { severity: row.severity } : {}),
        ...(row.summary ? { summary: row.summary } : {}),
      }));
      if (cache.size >= maxCached) cache.clear();
      cache.set(key, entries);
    }
    return entries;
  };
}

/** Every advisory that affects an installed package, for the OS's ecosystem and release. */
export function matchPackages(
  db: VulnDb,
  os: { id?: string; version?: string },
  packages: readonly MatchablePackage[],
): VulnerablePackage[] {
  return matchWith(affectedLookup(db), os, packages);
}

/** As matchPackages, through a lookup that may outlive one matching (vuln/db/reader.ts). */
export function matchWith(
  lookup: AffectedLookup,
  os: { id?: string; version?: string },
  packages: readonly MatchablePackage[],
): VulnerablePackage[] {
  const eco = ecosystemFor(os);
  if (!eco) return [];
  const out: VulnerablePackage[] = [];
  for (const p of packages) {
    const name = eco.bySource ? p.sourceName : p.name;
    // Debian advisories give source versions; a binNMU's binary version differs only by "+bN".
    const installed = eco.bySource ? p.sourceVersion : p.version;
    for (const entry of lookup(eco.ecosystem, eco.release, name)) {
      const hit =
        entry.versions.includes(installed) || entry.ranges.some((r) => inRange(installed, r, eco.compare));
      if (!hit) continue;
      const fixes = entry.ranges
        .flat()
        .map((e) => e.fixed)
        .filter((f): f is string => f !== undefined && eco.compare(f, installed) > 0)
        .sort(eco.compare);
      out.push({
        advisory: entry.advisory,
        aliases: [...entry.aliases],
        package: p.name,
        matchedName: name,
        installed,
        ...(fixes[0] !== undefined ? { fixed: fixes[0] } : {}),
        ...(entry.severity ? { severity: entry.severity } : {}),
        ...(entry.summary ? { summary: entry.summary } : {}),
        ecosystem: eco.ecosystem,
        release: eco.release,
      });
    }
  }
  return out;
}
