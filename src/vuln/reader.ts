/**
 * A vulnerability database opened for matching: what the vulnerabilities inspector reads of it
 * (its size, its last import, the advisories of each package). A scan opens one and closes it; a
 * re-judging run opens one for all its images, so the database is opened, summed up and each
 * package's advisories read once, not once per image.
 */
import { openVulnDb, type VulnDb } from "./db/index.js";
import {
  type AffectedLookup,
  affectedLookup,
  type MatchablePackage,
  matchWith,
  type VulnerablePackage,
} from "./match.js";

/** How many advisories the database holds and when it was last imported into (ISO). */
export interface DbSummary {
  advisories: number;
  lastImport?: string;
}

/** The summary in two indexed queries (dbStatus's per-ecosystem counts read the whole table). */
export function dbSummary(db: VulnDb): DbSummary {
  const advisories = (db.prepare("SELECT count(*) AS n FROM advisories").get() as { n: number }).n;
  const last = (db.prepare("SELECT max(imported_at) AS t FROM imports").get() as { t: string | null }).t;
  return { advisories, ...(last ? { lastImport: last } : {}) };
}

export class VulnDbReader {
  private summed: DbSummary | undefined;
  private lookup: AffectedLookup | undefined;

  private constructor(
    readonly path: string,
    private readonly db: VulnDb,
  ) {}

  /** Opens the database read-only; throws when it does not open (missing, another schema, damaged). */
  static open(path: string): VulnDbReader {
    return new VulnDbReader(path, openVulnDb(path, { readonly: true }));
  }

  /** Read once; throws when the database does not read. */
  summary(): DbSummary {
    this.summed ??= dbSummary(this.db);
    return this.summed;
  }

  match(os: { id?: string; version?: string }, packages: readonly MatchablePackage[]): VulnerablePackage[] {
    this.lookup ??= affectedLookup(this.db);
    return matchWith(this.lookup, os, packages);
  }

  close(): void {
    this.db.close();
  }
}
