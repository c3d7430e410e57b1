/**
 * Re-judging fixtures: vulnerability databases built as users build them (`amigate db import`) —
 * "old" from the corpus's Debian advisory, "new" with records that match the Debian rootfs — and
 * a scan of the rootfs with its facts snapshot.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { ScanResult } from "../../src/policy/result.js";
import { scanOptions } from "../../src/scan/options.js";
import { imageSession } from "../../src/scan/session.js";
import { type FactsSnapshot, takeSnapshot } from "../../src/scan/snapshot.js";
import { debianRecords } from "./osv-records.js";
import { debianImage, REPO_ROOT, SHARED } from "./trees.js";

/** `amigate db import FILES --db DB`, through the CLI. */
export function dbImport(db: string, ...files: string[]): void {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(REPO_ROOT, "src/cli/main.ts"), "db", "import", ...files, "--db", db],
    { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" } },
  );
  assert.equal(r.status, 0, r.stderr);
}

/** old.db (the corpus's Debian advisory, nothing matches the rootfs) and new.db (plus records that do). */
export function buildVulnDbs(dir: string): { oldDb: string; newDb: string } {
  const corpus = path.join(SHARED, "corpus/osv/debian");
  const records = path.join(dir, "records.json");
  writeFileSync(records, JSON.stringify(debianRecords));
  const oldDb = path.join(dir, "old.db");
  const newDb = path.join(dir, "new.db");
  dbImport(oldDb, corpus);
  dbImport(newDb, corpus, records);
  return { oldDb, newDb };
}

/** A scan of the Debian rootfs as `amigate scan --as-of DATE --db DB` runs it, and its snapshot. */
export async function scanDebian(
  asOf: string,
  db: string,
): Promise<{ report: ScanResult; snapshot: FactsSnapshot }> {
  const session = imageSession(debianImage(), scanOptions({ asOf, db }), {
    input: "debian",
    description: "Debian bookworm rootfs",
  });
  const report = await session.result();
  return { report, snapshot: await takeSnapshot(session.roots, report.scannedAt) };
}
