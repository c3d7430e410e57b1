/**
 * `npm run bench`: each target's scan time next to a baseline measured in the same run on the
 * same bytes, plus peak RSS. Sections are added by each layer (rootfs, disks, packages, server,
 * re-judging, DescribeImages on PostgreSQL at 1 M images: bench/pg-describe.ts, scans per minute
 * with one and two `amigate worker`s: bench/workers.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { inflaterName } from "../src/io/native-inflate.js";
import { benchDisks } from "./disks.js";
import { best, bestInTurn, type Measurement, measure, pageFaultMicros, row, warmRow } from "./measure.js";
import { benchNtfs } from "./ntfs.js";
import { benchPgDescribe } from "./pg-describe.js";
import { benchRealDisk } from "./real-disk.js";
import { benchRejudge } from "./rejudge.js";
import { benchServer } from "./server.js";
import { memoryFolder } from "./tmpfs.js";
import { benchVuln } from "./vuln.js";
import { benchWorkers } from "./workers.js";

const repo = path.resolve(import.meta.dirname, "..");
const cli = path.join(repo, "dist/amigate.js");
const fixtures =
  process.env.AMIGATE_FIXTURES ?? path.join(process.env.HOME ?? "/root", ".cache/amigate-fixtures");

function sh(script: string): string {
  return execFileSync("bash", ["-c", script], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

async function main(): Promise<void> {
  if (!existsSync("/usr/bin/time")) sh("apt-get install -y -qq time >/dev/null 2>&1 || true");
  sh(`cd ${repo} && npm run -s build`);
  // BENCH_ONLY=rootfs,disks,ntfs,vuln,server,rejudge,pgdescribe,workers runs only the named sections
  // (default: all); BENCH_MOTO=0 skips moto in the server section while iterating.
  const only = new Set(
    (process.env.BENCH_ONLY ?? "rootfs,disks,ntfs,vuln,server,rejudge,pgdescribe,workers").split(","),
  );
  const rootfs = sh(`bash ${repo}/fixtures/debian-rootfs.sh`).split("\n").pop()!;
  // Best of 5 for the scan and its baseline alike: single runs on a shared 2-core VM vary by ±20 %.
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  // Beside each figure: its minor page faults. What one costs here is printed once.
  console.log(
    `one minor page fault on this machine: ${pageFaultMicros().toFixed(1)} µs (a fresh page touched)`,
  );
  // The bin run as a user's shell runs it, through its /bin/sh launcher (scripts/bundle.mjs), not
  // `node dist/amigate.js`, which skips the launcher's malloc and V8 pool settings.
  console.log(`scans run ${path.relative(repo, cli)} as a program (its sh launcher, then node)`);
  // V8's code cache of the one-shot commands (docs/cli.md): a fresh one, so that no cache made by
  // another build or other runs counts. The first scan leaves its mark, the second makes it.
  process.env.AMIGATE_CODE_CACHE ??= mkdtempSync(path.join(os.tmpdir(), "amigate-bench-code-cache-"));
  console.log(`V8's code cache for the scans: ${process.env.AMIGATE_CODE_CACHE} (made by the second scan)`);
  // VMDK grains and qcow2 clusters: the libdeflate addon where npm install built it, else zlib.
  console.log(`VMDK grains and qcow2 clusters inflate with ${inflaterName()} (AMIGATE_INFLATE=zlib: zlib)`);
  const scan = (target: string) =>
    measure(cli, ["scan", target, "--format", "json", "--output", "/dev/null"]);

  if (only.has("rootfs")) await benchRootfs(rootfs, runs, scan);
  const ctx = { repo, runs, sh, scan };
  if (only.has("disks")) await benchDisks(ctx);
  if (only.has("ntfs")) await benchNtfs(ctx);
  if (only.has("realdisk")) await benchRealDisk(ctx);
  if (only.has("vuln")) await benchVuln(rootfs, runs);
  if (only.has("server")) await benchServer(cli);
  if (only.has("rejudge")) await benchRejudge(rootfs);
  if (only.has("pgdescribe")) await benchPgDescribe(cli);
  if (only.has("workers")) await benchWorkers(cli);
}

async function benchRootfs(
  rootfs: string,
  runs: number,
  scan: (target: string) => Promise<Measurement>,
): Promise<void> {
  console.log("== rootfs scan (issue 2): Debian bookworm rootfs");
  const tarBaseline = await best(runs, () =>
    measure("bash", ["-c", `tar -C ${rootfs} -cf - . | cat > /dev/null`]),
  );
  const dirScan = await best(runs, () => scan(rootfs));
  console.log(row("tar -cf - DIR | cat > /dev/null (baseline)", tarBaseline));
  console.log(row("amigate scan DIR", dirScan, tarBaseline, "baseline"));
  const plain = path.join(fixtures, "debian-bookworm.tar");
  if (existsSync(plain)) {
    const catPlain = await best(runs, () => measure("bash", ["-c", `cat ${plain} > /dev/null`]));
    const plainScan = await best(runs, () => scan(plain));
    console.log(row("cat debian.tar > /dev/null (baseline)", catPlain));
    console.log(row("amigate scan debian.tar", plainScan, catPlain, "cat"));
  }
  const archives = path.join(fixtures, "debian-bookworm.tar.zst");
  if (existsSync(archives)) {
    const catBaseline = await best(runs, () => measure("bash", ["-c", `cat ${archives} > /dev/null`]));
    const tarScan = await best(runs, () => scan(archives));
    console.log(row("cat debian.tar.zst > /dev/null (baseline)", catBaseline));
    console.log(row("amigate scan debian.tar.zst", tarScan, catBaseline, "cat"));
    // cat does not decompress; this baseline reads the same archive the way tar itself would.
    const untar = await best(runs, () =>
      measure("bash", ["-c", `zstd -dc ${archives} | tar -tf - > /dev/null`]),
    );
    console.log(row("zstd -dc | tar -tf - (decompress + list)", untar));
    console.log(row("amigate scan debian.tar.zst", tarScan, untar, "zstd|tar -t"));
  } else {
    console.log(`(skipped: ${archives} missing — run fixtures/debian-archives.sh)`);
  }
  await benchArchiveExtraction(rootfs, runs, scan);
}

/**
 * Issue 20: compressed archives against extracting them into tmpfs, which reads and decompresses
 * the same bytes and writes every file (goal: scan ≤ 1.5×).
 */
async function benchArchiveExtraction(
  rootfs: string,
  runs: number,
  scan: (target: string) => Promise<Measurement>,
): Promise<void> {
  const rootfsBytes = Number(sh(`du -s --apparent-size -B1 ${rootfs} | cut -f1`));
  const files = Number(sh(`find ${rootfs} | wc -l`));
  const memory = memoryFolder(rootfsBytes + files * 4096);
  try {
    for (const [ext, decompress] of [
      ["tar.zst", "zstd -dc"],
      ["tar.gz", "gzip -dc"],
    ] as const) {
      const archive = path.join(fixtures, `debian-bookworm.${ext}`);
      if (!existsSync(archive)) {
        console.log(`(skipped: ${archive} missing — run fixtures/debian-archives.sh)`);
        continue;
      }
      const { baseline: extract, scan: archiveScan } = await bestInTurn(
        runs,
        async () => {
          const out = memory.fresh();
          try {
            return await measure("bash", ["-c", `${decompress} ${archive} | tar -xf - -C ${out}`]);
          } finally {
            memory.remove(out);
          }
        },
        () => scan(archive),
      );
      console.log(row(`${decompress} | tar -xf - -C ${memory.describe} (peer)`, extract));
      console.log(
        row(`amigate scan debian.${ext}`, archiveScan, extract, `${decompress.split(" ")[0]}|tar -x`),
      );
      if (ext === "tar.zst")
        console.log(warmRow(repo, archive, extract, `${decompress.split(" ")[0]}|tar -x`));
    }
  } finally {
    memory.close();
  }
}

await main();
