import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { parseUpdateInfo } from "./alas.js";
import { type Advisory, fromOsv } from "./records.js";
import type { VulnDb } from "./schema.js";
import { zipEntries } from "./zip.js";

export interface ImportResult {
  source: string;
  kind: "osv-zip" | "osv-json" | "osv-dir" | "alas-updateinfo";
  records: number;
  skipped: number;
  newestModified?: string;
  seconds: number;
}

/** Writes advisories in batches; an advisory already present is replaced (re-import is idempotent). */
class Writer {
  private readonly upsert;
  private readonly clear;
  private readonly insertAffected;
  private batch: Advisory[] = [];
  records = 0;
  newest: string | undefined;

  constructor(
    private readonly db: VulnDb,
    private readonly source: string,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO advisories (id, source, modified, published, withdrawn, summary, severity, aliases)
       VALUES (@id, @source, @modified, @published, @withdrawn, @summary, @severity, @aliases)
       ON CONFLICT(id) DO UPDATE SET source=excluded.source, modified=excluded.modified, published=excluded.published,
         withdrawn=excluded.withdrawn, summary=excluded.summary, severity=excluded.severity, aliases=excluded.aliases`,
    );
    this.clear = db.prepare("DELETE FROM affected WHERE advisory_id = ?");
    this.insertAffected = db.prepare(
      "INSERT INTO affected (advisory_id, ecosystem, release, package, ranges, versions) VALUES (?, ?, ?, ?, ?, ?)",
    );
  }

  add(a: Advisory): void {
    this.batch.push(a);
    if (this.batch.length >= 2000) this.flush();
  }

  flush(): void {
    const rows = this.batch;
    this.batch = [];
    this.db.transaction(() => {
      for (const a of rows) {
        this.upsert.run({
          id: a.id,
          source: this.source,
          modified: a.modified ?? null,
          published: a.published ?? null,
          withdrawn: a.withdrawn ?? null,
          summary: a.summary ?? null,
          severity: a.severity ?? null,
          aliases: JSON.stringify(a.aliases),
        });
        this.clear.run(a.id);
        for (const p of a.affected) {
          this.insertAffected.run(
            a.id,
            p.ecosystem,
            p.release,
            p.package,
            JSON.stringify(p.ranges),
            JSON.stringify(p.versions),
          );
        }
        this.records++;
        if (a.modified && (!this.newest || a.modified > this.newest)) this.newest = a.modified;
      }
    })();
  }
}

function kindOf(file: string): ImportResult["kind"] {
  if (statSync(file).isDirectory()) return "osv-dir";
  if (/\.zip$/i.test(file)) return "osv-zip";
  if (/\.xml(\.gz)?$/i.test(file)) return "alas-updateinfo";
  return "osv-json";
}

function parseJsonRecords(text: string): unknown[] {
  const v = JSON.parse(text) as unknown;
  return Array.isArray(v) ? v : [v];
}

function* jsonFilesUnder(dir: string, depth = 0): Generator<string> {
  if (depth > 8) return;
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* jsonFilesUnder(p, depth + 1);
    else if (e.name.endsWith(".json")) yield p;
  }
}

/** Imports one OSV zip / JSON file / directory of JSON files, or an ALAS updateinfo.xml(.gz). */
export async function importFile(db: VulnDb, file: string, now = new Date()): Promise<ImportResult> {
  const started = process.hrtime.bigint();
  const kind = kindOf(file);
  const source = path.basename(file);
  const w = new Writer(db, source);
  let skipped = 0;
  const take = (json: unknown) => {
    const a = fromOsv(json);
    if (a) w.add(a);
    else skipped++;
  };
  if (kind === "osv-zip") {
    for await (const e of zipEntries(file)) {
      if (!e.name.endsWith(".json")) continue;
      try {
        for (const r of parseJsonRecords(e.data.toString("utf8"))) take(r);
      } catch {
        skipped++;
      }
    }
  } else if (kind === "osv-dir") {
    for (const f of jsonFilesUnder(file)) {
      try {
        for (const r of parseJsonRecords(readFileSync(f, "utf8"))) take(r);
      } catch {
        skipped++;
      }
    }
  } else if (kind === "osv-json") {
    for (const r of parseJsonRecords(readFileSync(file, "utf8"))) take(r);
  } else {
    const raw = readFileSync(file);
    const xml = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString("utf8");
    for (const a of parseUpdateInfo(xml)) w.add(a);
  }
  w.flush();
  const result: ImportResult = {
    source,
    kind,
    records: w.records,
    skipped,
    ...(w.newest ? { newestModified: w.newest } : {}),
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
  db.prepare(
    "INSERT INTO imports (source, kind, imported_at, records, skipped, newest_modified) VALUES (?, ?, ?, ?, ?, ?)",
  ).run(source, kind, now.toISOString(), result.records, skipped, w.newest ?? null);
  return result;
}

export interface DbStatus {
  advisories: number;
  withdrawn: number;
  ecosystems: Array<{ ecosystem: string; release: string; packages: number; advisories: number }>;
  imports: Array<{
    source: string;
    kind: string;
    importedAt: string;
    records: number;
    newestModified?: string;
  }>;
  /** The most recent import; the DB's age is measured from it. */
  lastImport?: string;
}

export function dbStatus(db: VulnDb): DbStatus {
  const advisories = (db.prepare("SELECT count(*) AS n FROM advisories").get() as { n: number }).n;
  const withdrawn = (
    db.prepare("SELECT count(*) AS n FROM advisories WHERE withdrawn IS NOT NULL").get() as { n: number }
  ).n;
  const ecosystems = db
    .prepare(
      "SELECT ecosystem, release, count(DISTINCT package) AS packages, count(DISTINCT advisory_id) AS advisories FROM affected GROUP BY ecosystem, release ORDER BY ecosystem, release",
    )
    .all() as DbStatus["ecosystems"];
  const imports = (
    db
      .prepare("SELECT source, kind, imported_at, records, newest_modified FROM imports ORDER BY id")
      .all() as Array<{
      source: string;
      kind: string;
      imported_at: string;
      records: number;
      newest_modified: string | null;
    }>
  ).map((r) => ({
    source: r.source,
    kind: r.kind,
    importedAt: r.imported_at,
    records: r.records,
    ...(r.newest_modified ? { newestModified: r.newest_modified } : {}),
  }));
  const last = imports
    .map((i) => i.importedAt)
    .sort()
    .pop();
  return { advisories, withdrawn, ecosystems, imports, ...(last ? { lastImport: last } : {}) };
}
