/**
 * A listing's package counts come from the scan (ListingFacts.packages), never from anywhere else:
 * the draft carries the scan's count, and a listing written without one takes it wherever a scan
 * is at hand (the catalogue's stored scan, `--report` for a file). Without a scan, or when the scan
 * read no package database, the listing has none.
 */
import type { ListingFacts } from "./facts.js";
import type { Listing, PackageCounts } from "./listing.js";

/** The scan's installed packages counted by package manager; undefined when it read none. */
export function packageCountsOf(facts: ListingFacts | undefined): PackageCounts | undefined {
  // An empty list is "no package database read" (or one that failed): a count of 0 would be made up.
  if (!facts || facts.packages.length === 0) return undefined;
  const byEcosystem: Record<string, number> = {};
  for (const p of [...facts.packages].sort((a, b) =>
    a.ecosystem < b.ecosystem ? -1 : a.ecosystem > b.ecosystem ? 1 : 0,
  ))
    byEcosystem[p.ecosystem] = (byEcosystem[p.ecosystem] ?? 0) + 1;
  return { total: facts.packages.length, byEcosystem };
}

/** The listing as written, or with the scan's package counts when it gives none. */
export function withScanPackageCounts(listing: Listing, facts: ListingFacts | undefined): Listing {
  if (listing.packages) return listing;
  const packages = packageCountsOf(facts);
  return packages ? { ...listing, packages } : listing;
}
