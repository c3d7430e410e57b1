/**
 * Scan workers (issue 17): scans per minute with one and then two `amigate worker` processes (one
 * scan at a time each) taking jobs from the PostgreSQL queue of a throwaway cluster, the blobs in
 * the folder store of a data directory they share. The same BENCH_WORKER_SCANS images (default 24
 * copies of the Debian disk fixtures/debian-disks.sh builds, each with a few bytes appended past
 * the end of the qcow2, so every copy has its own digest and is stored and scanned as its own
 * image) are scanned in both runs: the jobs are queued as an API node queues them (QueuedScans)
 * once the workers say they take jobs, and the run ends with the last verdict. Goal: two workers ≥
 * 1.8× one. Printed with each run's CPU: the workers' and PostgreSQL's CPU-seconds per scan, and
 * the whole machine's utilisation over its cores, which is the ceiling two workers meet on a
 * 2-core machine (cores × 60 / CPU-seconds per scan = the most scans a minute it can do).
 * BENCH_WORKER_IMAGE scans another image; a quick run: BENCH_WORKER_SCANS=6.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { newImageId } from "../src/server/ids.js";
import { PgBossQueue } from "../src/server/queue/pg-boss-queue.js";
import { QueuedScans } from "../src/server/queue/scan-jobs.js";
import { openBlobStore } from "../src/server/store/open-blobs.js";
import { PostgresStore } from "../src/server/store/postgres.js";
import { SecretBox } from "../src/server/store/secret-box.js";
import { postgresBinDir, postgresMissing, startPostgres } from "../test/support/postgres.js";
import { cleanUpOnSignal } from "./measure.js";

const SCANS = Number(process.env.BENCH_WORKER_SCANS ?? 24);
const fixtures =
  process.env.AMIGATE_FIXTURES ?? path.join(process.env.HOME ?? "/root", ".cache/amigate-fixtures");
/** A whole Debian disk (≈2 CPU-seconds a scan) if built, else the small GPT disk of the tests. */
const IMAGE =
  process.env.BENCH_WORKER_IMAGE ??
  [path.join(fixtures, "debian-disks/gpt-compressed.qcow2"), path.join(fixtures, "disk/gpt.qcow2")].find(
    existsSync,
  );

/** CPU seconds (user + system) of a process, and with `children` of the children it has reaped. */
function cpuOf(pid: number, children = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime, stime, cutime, cstime in clock ticks (USER_HZ = 100).
    const own = Number(f[11]) + Number(f[12]);
    return (children ? own + Number(f[13]) + Number(f[14]) : own) / 100;
  } catch {
    return 0;
  }
}

/** The postmaster's CPU, its reaped backends' and its live ones' (a backend may end mid-run). */
function postgresCpu(postmaster: number | undefined): number {
  if (postmaster === undefined) return Number.NaN;
  let total = cpuOf(postmaster, true);
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === postmaster) total += cpuOf(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

/** The machine's busy and total CPU seconds since boot (/proc/stat, all cores). */
function machineCpu(): { busy: number; total: number } {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
  const n = ticks.slice(0, 8).map(Number);
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: (total - n[3]! - n[4]!) / 100, total: total / 100 };
}

/** The image's bytes and then a line naming the copy: past the qcow2's clusters, never read. */
async function* copyOf(file: string, n: number): AsyncIterable<Uint8Array> {
  for await (const chunk of createReadStream(file)) yield chunk as Buffer;
  yield Buffer.from(`amigate bench copy ${n}\n`);
}

interface WorkerProcess {
  child: ChildProcess;
  /** Scans this worker has finished ("scanned …" lines on its stdout). */
  scanned(): number;
  stop(): Promise<void>;
}

/** `amigate worker`, resolved once it says it takes jobs. */
function startWorker(cli: string, url: string, dataDir: string): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [cli, "worker", "--database", url, "--data-dir", dataDir, "--scan-workers", "1"],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" } },
  );
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (/taking scan jobs/.test(out))
        resolve({ child, stop, scanned: () => out.match(/^amigate worker: scanned /gm)?.length ?? 0 });
    });
    child.once("exit", (code) => reject(new Error(`amigate worker exited ${code}: ${err.slice(-500)}`)));
  });
}

interface Run {
  workers: number;
  /** Scans each worker finished. */
  shares: number[];
  seconds: number;
  failed: number;
  /** CPU seconds over the run: the workers', PostgreSQL's, the machine's busy and available. */
  workerCpu: number;
  postgresCpu: number;
  machineBusy: number;
  machineTotal: number;
}

export async function benchWorkers(cli: string): Promise<void> {
  const cores = os.availableParallelism();
  console.log(
    `\n== scan workers (issue 17): ${SCANS} scans with 1 and then 2 \`amigate worker\`s on PostgreSQL, ${cores} cores`,
  );
  if (!postgresBinDir()) {
    console.log(`  (skipped: ${postgresMissing() ?? "PostgreSQL ≥ 15 is not installed"})`);
    return;
  }
  if (!IMAGE) {
    console.log(`  (skipped: no disk fixture in ${fixtures}: run fixtures/debian-disks.sh)`);
    return;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "amigate-bench-workers-"));
  const workers: WorkerProcess[] = [];
  const cleanUp = () => {
    for (const w of workers) w.child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  };
  const stopCleaningUpOnSignal = cleanUpOnSignal(cleanUp);
  const cluster = await startPostgres();
  const url = await cluster.createDatabase();
  const store = await PostgresStore.open(url, SecretBox.open(path.join(dataDir, "secret.key")));
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  let queue: PgBossQueue | undefined;
  try {
    const blobs = await openBlobStore(undefined, dataDir, path.join(dataDir, "tmp"));
    const owner = (await store.createAccount({ alias: "bench-workers" })).account.accountId;
    let t = performance.now();
    const imageIds: string[] = [];
    for (let n = 0; n < SCANS; n++) {
      const blob = await blobs.put(copyOf(IMAGE, n));
      await store.recordBlob({ ...blob, uploadedBy: owner });
      const imageId = newImageId();
      await store.insertImage(
        {
          imageId,
          ownerId: owner,
          name: `bench-disk-${n}`,
          architecture: "x86_64",
          virtualizationType: "hvm",
          rootDeviceType: "ebs",
          rootDeviceName: "/dev/xvda",
          platformDetails: "Linux/UNIX",
          imageLocation: `${owner}/bench-disk-${n}`,
          state: "available",
          creationDate: new Date().toISOString(),
          blockDeviceMappings: [],
          isPublic: false,
          blob,
        },
        [],
      );
      imageIds.push(imageId);
    }
    const mib = statSync(IMAGE).size / 2 ** 20;
    console.log(
      `  stored ${SCANS} copies of ${path.basename(IMAGE)} (${mib.toFixed(0)} MiB, each its own digest) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    queue = await PgBossQueue.open(url);
    const scheduler = new QueuedScans(store, queue, { failOn: "high", timeoutMs: 300_000 });
    const postmaster = Number(
      readFileSync(path.join(cluster.dir, "data/postmaster.pid"), "utf8").split("\n")[0],
    );

    const runs: Run[] = [];
    for (const count of [1, 2]) {
      for (let w = 0; w < count; w++) workers.push(await startWorker(cli, url, dataDir));
      const pids = workers.map((w) => w.child.pid!);
      const after = Number((await db.query("SELECT coalesce(max(scan_id), 0) AS n FROM scans")).rows[0].n);
      const [workerCpu0, pgCpu0, machine0] = [
        pids.map((p) => cpuOf(p)),
        postgresCpu(postmaster),
        machineCpu(),
      ];
      t = performance.now();
      for (const id of imageIds) await scheduler.schedule(id);
      let ended = { done: 0, failed: 0 };
      while (ended.done + ended.failed < SCANS) {
        await new Promise((r) => setTimeout(r, 100));
        const { rows } = await db.query(
          `SELECT count(*) FILTER (WHERE status = 'done') AS done, count(*) FILTER (WHERE status = 'failed') AS failed
           FROM scans WHERE scan_id > $1`,
          [after],
        );
        ended = { done: Number(rows[0].done), failed: Number(rows[0].failed) };
      }
      const seconds = (performance.now() - t) / 1000;
      const machine1 = machineCpu();
      runs.push({
        workers: count,
        shares: [],
        seconds,
        failed: ended.failed,
        workerCpu: pids.reduce((sum, p, i) => sum + cpuOf(p) - workerCpu0[i]!, 0),
        postgresCpu: postgresCpu(postmaster) - pgCpu0,
        machineBusy: machine1.busy - machine0.busy,
        machineTotal: machine1.total - machine0.total,
      });
      // The next run starts its workers afresh, all alike; a stopped worker has said all it did.
      for (const w of workers) await w.stop();
      runs.at(-1)!.shares = workers.splice(0).map((w) => w.scanned());
    }

    const rate = (r: Run) => (SCANS * 60) / r.seconds;
    for (const r of runs) {
      const cpuPerScan = (r.workerCpu + r.postgresCpu) / SCANS;
      console.log(
        `  ${r.workers} worker${r.workers > 1 ? "s" : " "}: ${rate(r).toFixed(1).padStart(6)} scans/min (${r.seconds.toFixed(1)} s, ${r.shares.join(" + ")} scans${r.failed ? `, ${r.failed} failed` : ""}); CPU per scan ${cpuPerScan.toFixed(2)} s (workers ${(r.workerCpu / SCANS).toFixed(2)}, PostgreSQL ${(r.postgresCpu / SCANS).toFixed(2)}); machine ${((100 * r.machineBusy) / r.machineTotal).toFixed(0)}% busy of ${cores} cores (workers ${((100 * r.workerCpu) / r.machineTotal).toFixed(0)}%)`,
      );
    }
    const [one, two] = runs as [Run, Run];
    const ratio = rate(two) / rate(one);
    const cpuPerScan = (one.workerCpu + one.postgresCpu) / SCANS;
    console.log(
      `  2 workers = ${ratio.toFixed(2)}× one (goal ≥ 1.8×: ${ratio >= 1.8 ? "met" : "missed"}); CPU ceiling: ${cores} cores / ${cpuPerScan.toFixed(2)} CPU-s per scan = ${((cores * 60) / cpuPerScan).toFixed(0)} scans/min, i.e. ${(cores * 60) / cpuPerScan / rate(one) >= 2 ? "above" : "below"} twice one worker's rate (${(2 * rate(one)).toFixed(1)})`,
    );
  } finally {
    stopCleaningUpOnSignal();
    for (const w of workers.splice(0)) await w.stop();
    await queue?.close(0);
    await db.end();
    await store.close();
    cluster.stop();
    cleanUp();
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  await benchWorkers(process.env.BENCH_CLI ?? path.resolve(import.meta.dirname, "../dist/amigate.js"));
