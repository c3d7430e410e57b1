/**
 * Release notes suggested from two versions of one listing: the packages added, removed, upgraded
 * and downgraded between their scans, and the vulnerabilities the earlier scan reported that the
 * later one no longer does.
 */
import { compare as apkCompare } from "../../vuln/version/apk.js";
import { compare as dpkgCompare } from "../../vuln/version/dpkg.js";
import { compare as rpmCompare } from "../../vuln/version/rpm.js";
import type { Finding, ScanResult } from "../result.js";
import type { ListingPackage } from "./facts.js";

export interface VersionChange {
  name: string;
  from: string;
  to: string;
}

export interface PackageChanges {
  added: ListingPackage[];
  removed: ListingPackage[];
  upgraded: VersionChange[];
  downgraded: VersionChange[];
}

const ORDERS: Record<string, (a: string, b: string) => number> = {
  dpkg: dpkgCompare,
  rpm: rpmCompare,
  apk: apkCompare,
};

/** Which way a version moved; a version the order cannot read counts as an upgrade (it changed). */
function direction(ecosystem: string, from: string, to: string): number {
  const order = ORDERS[ecosystem];
  if (!order) return 1;
  try {
    return Math.sign(order(to, from)) || 1;
  } catch {
    return 1;
  }
}

export function packageChanges(
  previous: readonly ListingPackage[],
  current: readonly ListingPackage[],
): PackageChanges {
  const before = new Map(previous.map((p) => [p.name, p]));
  const now = new Map(current.map((p) => [p.name, p]));
  const out: PackageChanges = { added: [], removed: [], upgraded: [], downgraded: [] };
  for (const p of current) {
    const old = before.get(p.name);
    if (!old) out.added.push(p);
    else if (old.version !== p.version) {
      const change = { name: p.name, from: old.version, to: p.version };
      (direction(p.ecosystem, old.version, p.version) > 0 ? out.upgraded : out.downgraded).push(change);
    }
  }
  for (const p of previous) if (!now.has(p.name)) out.removed.push(p);
  return out;
}

/** Advisory ids of a report's known-vulnerabilities findings (ignored ones too: they are still there). */
export function vulnerabilityIds(report: Pick<ScanResult, "findings" | "ignored">): Set<string> {
  const ids = new Set<string>();
  const all: readonly Finding[] = [...report.findings, ...report.ignored];
  for (const f of all)
    if (f.rule === "known-vulnerabilities" && typeof f.data?.ids === "string")
      ids.add(f.data.ids.split(", ")[0]!);
  return ids;
}

/** At most this many packages are named one by one in a note; the rest are counted. */
const NAMED = 15;

function named<T>(items: readonly T[], show: (t: T) => string): string {
  const shown = items.slice(0, NAMED).map(show).join(", ");
  return items.length > NAMED ? `${shown} and ${items.length - NAMED} more` : shown;
}

/** The suggested notes, most telling first; empty when nothing changed. */
export function suggestReleaseNotes(
  changes: PackageChanges,
  fixedVulnerabilities: readonly string[] = [],
): string[] {
  const notes: string[] = [];
  if (fixedVulnerabilities.length > 0)
    notes.push(`Fixed vulnerabilities: ${named([...fixedVulnerabilities].sort(), (id) => id)}`);
  if (changes.upgraded.length > 0)
    notes.push(
      `Upgraded ${changes.upgraded.length} package${changes.upgraded.length === 1 ? "" : "s"}: ${named(changes.upgraded, (c) => `${c.name} ${c.from} → ${c.to}`)}`,
    );
  if (changes.added.length > 0) notes.push(`Added: ${named(changes.added, (p) => `${p.name} ${p.version}`)}`);
  if (changes.removed.length > 0) notes.push(`Removed: ${named(changes.removed, (p) => p.name)}`);
  if (changes.downgraded.length > 0)
    notes.push(`Downgraded: ${named(changes.downgraded, (c) => `${c.name} ${c.from} → ${c.to}`)}`);
  return notes;
}

/** Notes for a version from its report and the previous version's (both with listing facts). */
export function releaseNotesBetween(previous: ScanResult, current: ScanResult): string[] {
  const changes = packageChanges(previous.listingFacts?.packages ?? [], current.listingFacts?.packages ?? []);
  const still = vulnerabilityIds(current);
  const fixed = [...vulnerabilityIds(previous)].filter((id) => !still.has(id));
  return suggestReleaseNotes(changes, fixed);
}
