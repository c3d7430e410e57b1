import { existsSync } from "node:fs";
import { describeError } from "../io/errors.js";
import { ecosystemFor, type VulnerablePackage } from "../vuln/match.js";
import type { DbSummary, VulnDbReader } from "../vuln/reader.js";
import type { InspectContext, Inspector } from "./context.js";

/** Default age after which the vulnerability database is reported as stale. */
export const DEFAULT_DB_MAX_AGE_DAYS = 7;

export interface VulnerabilityFacts {
  /** checked: matched against the DB; no-database / unsupported-os: skipped, with `note` saying why. */
  state:
    | "checked"
    | "no-database"
    | "empty-database"
    | "unreadable-database"
    | "unsupported-os"
    | "no-packages";
  dbPath?: string;
  db?: DbSummary;
  /** Days since the last import, at the scan date. */
  dbAgeDays?: number;
  maxAgeDays: number;
  matches: VulnerablePackage[];
  note?: string;
}

export const vulnerabilitiesInspector: Inspector<"vulnerabilities"> = {
  name: "vulnerabilities",
  description: "installed packages matched against the local vulnerability database",
  paths: [],
  async inspect(ctx) {
    const facts = await checkVulnerabilities(ctx);
    // Skipped checks are said plainly in every report, not as findings.
    if (facts.note && facts.state !== "checked") ctx.note(facts.note);
    return facts;
  },
};

async function checkVulnerabilities(ctx: InspectContext): Promise<VulnerabilityFacts> {
  const maxAgeDays = ctx.options.vulnDbMaxAgeDays ?? DEFAULT_DB_MAX_AGE_DAYS;
  const path = ctx.options.vulnDb;
  if (!path || !existsSync(path)) {
    return {
      state: "no-database",
      ...(path ? { dbPath: path } : {}),
      maxAgeDays,
      matches: [],
      note: "vulnerability checks were skipped: no database. Build one with `amigate db update` (online) or `amigate db import <osv.zip|updateinfo.xml.gz>`, then scan with --db PATH or AMIGATE_DB.",
    };
  }
  const os = await ctx.get("os");
  const { packages } = await ctx.get("packages");
  if (packages.length === 0)
    return {
      state: "no-packages",
      dbPath: path,
      maxAgeDays,
      matches: [],
      note: "no package database found in the image",
    };
  if (!ecosystemFor(os)) {
    return {
      state: "unsupported-os",
      dbPath: path,
      maxAgeDays,
      matches: [],
      note: `vulnerability checks were skipped: no advisory source for OS "${[os.id ?? "unknown", os.version].filter(Boolean).join(" ")}"`,
    };
  }
  // Loaded only when there is a database: a scan without one never loads SQLite. A reader shared
  // by many inspections (re-judging every stored image) is used as it is and left open.
  const shared = ctx.options.vulnDbReader?.path === path ? ctx.options.vulnDbReader : undefined;
  let reader: VulnDbReader;
  if (shared) reader = shared;
  else {
    const { VulnDbReader } = await import("../vuln/reader.js");
    try {
      reader = VulnDbReader.open(path);
    } catch (e) {
      return unreadable(path, maxAgeDays, e);
    }
  }
  try {
    let status: DbSummary;
    try {
      status = reader.summary();
    } catch (e) {
      return unreadable(path, maxAgeDays, e);
    }
    // An empty database (a failed or interrupted import) matches nothing: a skip, never "checked".
    if (status.advisories === 0)
      return {
        state: "empty-database",
        dbPath: path,
        maxAgeDays,
        matches: [],
        note: `vulnerability checks were skipped: the database at ${path} holds no advisories (an import that failed?). Import again with \`amigate db import\` or \`amigate db update\`.`,
      };
    const now = ctx.options.now ?? new Date();
    const age = status.lastImport
      ? Math.floor((now.getTime() - Date.parse(status.lastImport)) / 86_400_000)
      : undefined;
    return {
      state: "checked",
      dbPath: path,
      db: {
        advisories: status.advisories,
        ...(status.lastImport ? { lastImport: status.lastImport } : {}),
      },
      ...(age !== undefined ? { dbAgeDays: age } : {}),
      maxAgeDays,
      matches: reader.match(os, packages),
    };
  } finally {
    if (reader !== shared) reader.close();
  }
}

/** A database file that does not open or read (zero bytes, another schema, damaged) skips the checks. */
function unreadable(path: string, maxAgeDays: number, e: unknown): VulnerabilityFacts {
  return {
    state: "unreadable-database",
    dbPath: path,
    maxAgeDays,
    matches: [],
    note: `vulnerability checks were skipped: ${describeError(e)}`,
  };
}
