/**
 * One contract for both job queues: the in-process one and pg-boss on a throwaway PostgreSQL
 * cluster (test/support/postgres.ts). Jobs run once per key, failed attempts are retried and then
 * handed to the dead-job handler with the last failure; on PostgreSQL two queue instances (two
 * processes' worth of connections) share the jobs without running one twice.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { type PostgresCluster, postgresMissing, startPostgres } from "../../../test/support/postgres.js";
import { JOB_ATTEMPTS, type JobQueue, type ScanJobData } from "./jobs.js";
import { MemoryQueue } from "./memory-queue.js";
import { jobId, PgBossQueue } from "./pg-boss-queue.js";

const job = (scanId: number): ScanJobData => ({
  scanId,
  imageId: `ami-${String(scanId).padStart(17, "0")}`,
  failOn: "high",
  timeoutMs: 60_000,
});

async function until(what: string, test: () => boolean | Promise<boolean>, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function queueContract(open: () => Promise<JobQueue>) {
  test("a job runs once with its data; queueing its key again while it exists adds nothing", async () => {
    const q = await open();
    try {
      assert.equal(await q.state("scan", "1"), "none");
      await q.enqueue("scan", job(1), { key: "1", expireInSeconds: 60 });
      await q.enqueue("scan", job(1), { key: "1", expireInSeconds: 60 });
      assert.equal(await q.state("scan", "1"), "queued");
      const runs: Array<{ scanId: number; attempt: number; expire: number }> = [];
      await q.work("scan", 2, async (j) => {
        runs.push({ scanId: j.data.scanId, attempt: j.attempt, expire: j.expireInSeconds });
      });
      await until("the job's end", async () => (await q.state("scan", "1")) === "ended");
      await q.enqueue("scan", job(1), { key: "1", expireInSeconds: 60 });
      await q.enqueue("scan", job(2), { key: "2", expireInSeconds: 90 });
      await until("the second job's end", async () => (await q.state("scan", "2")) === "ended");
      assert.deepEqual(runs, [
        { scanId: 1, attempt: 1, expire: 60 },
        { scanId: 2, attempt: 1, expire: 90 },
      ]);
    } finally {
      await q.close(1000);
    }
  });

  test("a failing job is retried, then handed to the dead-job handler with the last failure", async () => {
    const q = await open();
    try {
      const attempts: number[] = [];
      const dead: Array<[number, string]> = [];
      await q.onDead("scan", async (data, reason) => {
        dead.push([data.scanId, reason]);
      });
      await q.work("scan", 1, async (j) => {
        attempts.push(j.attempt);
        if (j.data.scanId === 7) throw new Error(`scanner lost its blob (attempt ${j.attempt})`);
      });
      await q.enqueue("scan", job(7), { key: "7", expireInSeconds: 60 });
      await until("the dead job's record", () => dead.length === 1);
      assert.deepEqual(attempts, [1, 2, 3].slice(0, JOB_ATTEMPTS));
      assert.deepEqual(dead, [[7, `scanner lost its blob (attempt ${JOB_ATTEMPTS})`]]);
      assert.equal(await q.state("scan", "7"), "ended");
    } finally {
      await q.close(1000);
    }
  });
}

describe("the in-process job queue", () => {
  queueContract(async () => new MemoryQueue());
});

describe("the pg-boss job queue", { skip: postgresMissing() }, () => {
  let cluster: PostgresCluster;
  before(async () => {
    cluster = await startPostgres();
  });
  after(() => cluster?.stop());

  queueContract(async () => PgBossQueue.open(await cluster.createDatabase(), { retryDelaySeconds: 0 }));

  test("install (amigate migrate) creates the queue's own schema once; opening after it installs nothing more", async () => {
    const url = await cluster.createDatabase();
    await PgBossQueue.install(url);
    await PgBossQueue.install(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'pgboss' AND table_name IN ('job', 'queue', 'version') ORDER BY 1",
      );
      assert.deepEqual(
        tables.rows.map((r) => r.table_name),
        ["job", "queue", "version"],
      );
      const before = (await client.query("SELECT count(*)::int AS n FROM pgboss.version")).rows[0];
      const q = await PgBossQueue.open(url);
      await q.enqueue("scan", job(1), { key: "1", expireInSeconds: 60 });
      assert.equal(await q.state("scan", "1"), "queued");
      await q.close(1000);
      assert.deepEqual((await client.query("SELECT count(*)::int AS n FROM pgboss.version")).rows[0], before);
    } finally {
      await client.end();
    }
  });

  test("processes starting together create their queues without failing on a deadlock", async () => {
    // Each open + work creates the scan and the re-judge queues; each createQueue attaches a
    // partition to pg-boss's job table, and two attaches at once can deadlock (seen in CI).
    for (let round = 0; round < 4; round++) {
      const url = await cluster.createDatabase();
      const first = await PgBossQueue.open(url);
      const nodes = [first, ...(await Promise.all([1, 2, 3].map(() => PgBossQueue.open(url))))];
      try {
        await Promise.all(
          nodes.flatMap((q, n) =>
            (n % 2 === 0 ? (["scan", "rejudge"] as const) : (["rejudge", "scan"] as const)).map((kind) =>
              q.work(kind, 1, async () => {}),
            ),
          ),
        );
      } finally {
        await Promise.all(nodes.map((q) => q.close(1000)));
      }
    }
  });

  test("job ids are UUIDs derived from kind and key", () => {
    assert.match(jobId("scan", "1"), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(jobId("scan", "1"), jobId("scan", "1"));
    assert.notEqual(jobId("scan", "1"), jobId("scan", "2"));
  });

  test("two queue instances on one database share the jobs: each runs once", async () => {
    const url = await cluster.createDatabase();
    const nodes = [await PgBossQueue.open(url), await PgBossQueue.open(url)];
    try {
      const ran: Array<[node: number, scanId: number]> = [];
      for (const [n, q] of nodes.entries())
        await q.work("scan", 2, async (j) => {
          ran.push([n, j.data.scanId]);
          await new Promise((r) => setTimeout(r, 200));
        });
      for (let id = 1; id <= 12; id++)
        await nodes[id % 2]!.enqueue("scan", job(id), { key: String(id), expireInSeconds: 60 });
      await until("every job's end", () => ran.length >= 12);
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(
        ran.map(([, id]) => id).sort((a, b) => a - b),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      assert.ok(new Set(ran.map(([n]) => n)).size === 2, `both nodes took jobs: ${JSON.stringify(ran)}`);
    } finally {
      for (const q of nodes) await q.close(1000);
    }
  });
});
