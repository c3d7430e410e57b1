/**
 * Re-judging bench (issue 17, "verdicts that stay current"): a SQLite catalogue of 100k images
 * (BENCH_REJUDGE_IMAGES), each with the report and facts snapshot of a scan of the Debian rootfs
 * against a generated 90k-record database; the database then gains 10k records (a `db update`)
 * and every image is judged again in process with rejudgeCatalogue, the job serve runs. Prints
 * images/s, and the same run's time to read the stored reports alone as its baseline.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DirectoryTree } from "../src/fs/directory.js";
import { Image as FsImage } from "../src/fs/image.js";
import { scanOptions } from "../src/scan/options.js";
import { imageSession } from "../src/scan/session.js";
import { takeSnapshot } from "../src/scan/snapshot.js";
import { openStore } from "../src/server/catalogue.js";
import { newImageId } from "../src/server/ids.js";
import { rejudgeCatalogue } from "../src/server/rejudge.js";
import type { Image } from "../src/server/store/types.js";
import { importFile, openVulnDb } from "../src/vuln/db/index.js";

const IMAGES = Number(process.env.BENCH_REJUDGE_IMAGES ?? 100_000);
const OLD_RECORDS = 90_000;
const NEW_RECORDS = 10_000;

/**
 * OSV records for Debian:12: one in a thousand names a source package of the rootfs (so a scan
 * has a realistic few dozen findings); the rest synthetic names.
 */
function records(from: number, count: number, sources: readonly string[]) {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const name = i % 1000 === 0 ? sources[(i / 1000) % sources.length]! : `synthetic-${i % 30_000}`;
    return {
      id: `BENCH-${i}`,
      modified: "2026-01-01T00:00:00Z",
      aliases: [`CVE-2026-${String(i).padStart(6, "0")}`],
      affected: [
        {
          package: { ecosystem: "Debian:12", name },
          ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "99" }] }],
        },
      ],
    };
  });
}

async function importRecords(
  db: string,
  dir: string,
  from: number,
  count: number,
  sources: readonly string[],
) {
  const handle = openVulnDb(db);
  try {
    for (let at = from; at < from + count; at += 10_000) {
      const file = path.join(dir, `osv-${at}.json`);
      writeFileSync(file, JSON.stringify(records(at, Math.min(10_000, from + count - at), sources)));
      await importFile(handle, file);
    }
  } finally {
    handle.close();
  }
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/** CPU seconds (user + system) of this process since `since`: steadier than wall time on a shared machine. */
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
};

export async function benchRejudge(rootfs: string): Promise<void> {
  console.log(`\n== re-judging (issue 17): ${IMAGES} stored images after a vulnerability database update`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-bench-rejudge-"));
  // The catalogue is ~11 GB at 100k images: a bench stopped by a signal (timeout) removes it too.
  const removeOnSignal = (signal: NodeJS.Signals) => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGTERM", removeOnSignal);
  process.once("SIGINT", removeOnSignal);
  try {
    const image = () => new FsImage(new DirectoryTree(rootfs));
    const inventory = await imageSession(image()).roots[0]!.facts.get("packages");
    const sources = [...new Set(inventory.packages.map((p) => p.sourceName))];
    const oldDb = path.join(dir, "old.db");
    const newDb = path.join(dir, "new.db");
    await importRecords(oldDb, dir, 0, OLD_RECORDS, sources);
    copyFileSync(oldDb, newDb);
    await importRecords(newDb, dir, OLD_RECORDS, NEW_RECORDS, sources);

    const session = imageSession(image(), scanOptions({ asOf: "2026-03-01", db: oldDb }));
    const result = await session.result();
    const report = JSON.stringify(result);
    const facts = JSON.stringify(await takeSnapshot(session.roots, result.scannedAt));
    console.log(
      `  one scan: ${result.findings.length} findings, report ${(report.length / 1024).toFixed(0)} KiB, facts ${(facts.length / 1024).toFixed(0)} KiB as JSON`,
    );

    const dataDir = path.join(dir, "catalogue");
    const store = openStore(dataDir);
    const owners: string[] = [];
    for (let a = 0; a < 1000; a++) owners.push((await store.createAccount({})).account.accountId);
    let t = process.hrtime.bigint();
    for (let from = 0; from < IMAGES; from += 10_000) {
      // Inside bulk() each store call's body runs at once, in the one transaction; the scan ids
      // come back as promises, so the reports go in a second transaction.
      const scans: Array<Promise<{ scanId: number }>> = [];
      store.bulk(() => {
        for (let n = from; n < Math.min(IMAGES, from + 10_000); n++) {
          const ownerId = owners[n % owners.length]!;
          const doc: Image = {
            imageId: newImageId(),
            ownerId,
            name: `img-${n}`,
            architecture: "x86_64",
            virtualizationType: "hvm",
            rootDeviceType: "ebs",
            platformDetails: "Linux/UNIX",
            imageLocation: `${ownerId}/img-${n}`,
            state: "available",
            creationDate: "2026-03-01T00:00:00.000Z",
            blockDeviceMappings: [],
            isPublic: false,
          };
          void store.insertImage(doc, []);
          scans.push(store.createScan(doc.imageId));
        }
      });
      const ids = await Promise.all(scans);
      store.bulk(() => {
        for (const { scanId } of ids)
          void store.updateScan(scanId, {
            status: "done",
            report,
            facts,
            finishedAt: "2026-03-01T00:00:00Z",
          });
      });
    }
    console.log(`  seeded ${IMAGES} images with reports and facts in ${seconds(t).toFixed(1)} s`);

    // Baseline: the same pages read and parsed, nothing judged.
    t = process.hrtime.bigint();
    let cpu = process.cpuUsage();
    let read = 0;
    for (let after = 0; ; ) {
      const page = await store.judgeableScans({ afterScanId: after, limit: 200 });
      for (const s of page) {
        JSON.parse(s.report);
        JSON.parse(s.facts);
        after = s.scanId;
        read++;
      }
      if (page.length < 200) break;
    }
    const readSeconds = seconds(t);
    const readCpu = cpuSeconds(cpu);
    console.log(
      `  read and parse every stored report and facts (baseline): ${readSeconds.toFixed(1)} s, ${Math.round(read / readSeconds)} images/s (CPU ${readCpu.toFixed(1)} s, ${Math.round(read / readCpu)} images per CPU-second)`,
    );

    const settings = {
      severity: "high" as const,
      requireVulnerabilityChecks: true,
      onRegression: "flag" as const,
    };
    t = process.hrtime.bigint();
    cpu = process.cpuUsage();
    const summary = await rejudgeCatalogue(
      store,
      { ...settings, vulnDb: newDb },
      {
        asOf: "2026-03-01T00:00:00.000Z",
        trigger: { accountId: "amigate", accessKeyId: "", sourceIp: "", reason: "bench" },
      },
    );
    const judgeSeconds = seconds(t);
    const judgeCpu = cpuSeconds(cpu);
    console.log(
      `  re-judge after the update (${NEW_RECORDS} new records): ${judgeSeconds.toFixed(1)} s, ${Math.round(summary.judged / judgeSeconds)} images/s (${(judgeSeconds / readSeconds).toFixed(1)}x baseline; CPU ${judgeCpu.toFixed(1)} s, ${Math.round(summary.judged / judgeCpu)} images per CPU-second); ${summary.changed} reports changed, ${summary.regressed.length} regressed, ${summary.failed.length} failed`,
    );
    // Nothing new: every report judged, none written.
    t = process.hrtime.bigint();
    cpu = process.cpuUsage();
    const again = await rejudgeCatalogue(
      store,
      { ...settings, vulnDb: newDb },
      {
        asOf: "2026-03-01T00:00:00.000Z",
        trigger: { accountId: "amigate", accessKeyId: "", sourceIp: "", reason: "bench" },
      },
    );
    const againSeconds = seconds(t);
    const againCpu = cpuSeconds(cpu);
    console.log(
      `  re-judge again, nothing changed (the daily tick on a quiet day): ${againSeconds.toFixed(1)} s, ${Math.round(again.judged / againSeconds)} images/s (CPU ${againCpu.toFixed(1)} s, ${Math.round(again.judged / againCpu)} images per CPU-second)`,
    );
    await store.close();
  } finally {
    process.off("SIGTERM", removeOnSignal);
    process.off("SIGINT", removeOnSignal);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (
  process.argv[1] &&
  path.resolve(process.argv[1]) === path.resolve(import.meta.dirname, "rejudge.ts") &&
  process.argv.length === 3
) {
  await benchRejudge(process.argv[2]!);
}
