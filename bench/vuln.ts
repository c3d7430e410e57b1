/**
 * Vulnerability bench (issue 4): generates ≥100k OSV records (Debian:12, keyed by the source
 * packages of the Debian rootfs plus synthetic names), imports them, then times inventory +
 * matching of the rootfs in a fresh process (wall time and peak RSS via measure()).
 * Baseline: the same process doing inventory only.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DirectoryTree } from "../src/fs/directory.js";
import { Image } from "../src/fs/image.js";
import { FactStore } from "../src/inspect/context.js";
import { inspectorsByName } from "../src/inspect/registry.js";
import { importFile, openVulnDb } from "../src/vuln/db/index.js";
import { matchPackages } from "../src/vuln/match.js";
import { best, measure, row } from "./measure.js";

const RECORDS = Number(process.env.BENCH_OSV_RECORDS ?? 100_000);

/** Records per file of 10k so the generator itself stays small in memory. */
function generate(dir: string, sourceNames: readonly string[]): string[] {
  const files: string[] = [];
  const per = 10_000;
  for (let f = 0; f * per < RECORDS; f++) {
    const list = [];
    for (let i = f * per; i < Math.min(RECORDS, (f + 1) * per); i++) {
      // Every 20th record hits a real source package of the rootfs; the rest are spread over synthetic names.
      const name = i % 20 === 0 ? sourceNames[i % sourceNames.length]! : `synthetic-${i % 30_000}`;
      list.push({
        id: `BENCH-${i}`,
        modified: "2026-01-01T00:00:00Z",
        aliases: [`CVE-2026-${String(i).padStart(6, "0")}`],
        affected: [
          {
            package: { ecosystem: "Debian:12", name },
            ranges: [
              { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: `${i % 7}.${i % 13}-${i % 5}` }] },
            ],
          },
        ],
      });
    }
    const file = path.join(dir, `osv-${f}.json`);
    writeFileSync(file, JSON.stringify(list));
    files.push(file);
  }
  return files;
}

/** Child-process entry: `node --import tsx bench/vuln.ts ROOTFS DB match|inventory`. */
async function child(rootfs: string, dbPath: string, mode: string): Promise<void> {
  const store = new FactStore(new Image(new DirectoryTree(rootfs)), inspectorsByName);
  const { packages } = await store.get("packages");
  if (mode === "match") {
    const db = openVulnDb(dbPath, { readonly: true });
    const found = matchPackages(db, { id: "debian", version: "12" }, packages);
    db.close();
    process.stderr.write(`BENCH_RESULT packages=${packages.length} matches=${found.length}\n`);
  }
}

export async function benchVuln(rootfs: string, runs: number): Promise<void> {
  console.log(`== vulnerabilities (issue 4): ${RECORDS} generated OSV records, Debian bookworm rootfs`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-bench-vuln-"));
  try {
    const store = new FactStore(new Image(new DirectoryTree(rootfs)), inspectorsByName);
    const { packages } = await store.get("packages");
    const sources = [...new Set(packages.map((p) => p.sourceName))];
    const files = generate(dir, sources);
    const dbPath = path.join(dir, "vuln.db");
    const db = openVulnDb(dbPath);
    const started = process.hrtime.bigint();
    let records = 0;
    for (const f of files) records += (await importFile(db, f)).records;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    db.close();
    console.log(
      `import ${records} records: ${seconds.toFixed(2)} s, ${Math.round(records / seconds)} records/s`,
    );
    const self = path.join(import.meta.dirname, "vuln.ts");
    const inventory = await best(runs, () =>
      measure("node", ["--import", "tsx", self, rootfs, dbPath, "inventory"]),
    );
    const matching = await best(runs, () =>
      measure("node", ["--import", "tsx", self, rootfs, dbPath, "match"]),
    );
    console.log(row("inventory only (baseline)", inventory));
    console.log(row(`inventory + matching (${packages.length} packages)`, matching, inventory, "inventory"));
    // Matching alone, in process (the goal: < 1 s for 2k packages).
    const many = Array.from({ length: 2000 }, (_, i) => packages[i % packages.length]!);
    const handle = openVulnDb(dbPath, { readonly: true });
    const t = process.hrtime.bigint();
    const found = matchPackages(handle, { id: "debian", version: "12" }, many);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    handle.close();
    console.log(`matching 2000 packages in process: ${ms.toFixed(0)} ms (${found.length} matches)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (
  process.argv[1] &&
  path.resolve(process.argv[1]) === path.resolve(import.meta.dirname, "vuln.ts") &&
  process.argv.length === 5
) {
  await child(process.argv[2]!, process.argv[3]!, process.argv[4]!);
}
