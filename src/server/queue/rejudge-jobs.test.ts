/**
 * Re-judging as queued passes (rejudge-jobs.ts) on a throwaway PostgreSQL: two API nodes (a store,
 * a pg-boss queue, a QueuedRejudger and a re-judging runner each) on one database. Both ticking at
 * once give one pass; the pass runs in slices taken by either node; asking again the same day is
 * the same pass; a pass with another database judges everything again and audits nothing twice;
 * a slice whose runner hangs (a killed worker) is run again by the other node after its timeout.
 * Two serve catalogues (openCatalogueOn) whose daily ticks fire together run one pass.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { type PostgresCluster, postgresMissing, startPostgres } from "../../../test/support/postgres.js";
import { buildVulnDbs, scanDebian } from "../../../test/support/rejudge-fixtures.js";
import { testImage } from "../../../test/support/store.js";
import { type Catalogue, openCatalogueOn } from "../catalogue.js";
import { DAILY_TRIGGER, type RejudgeSettings, type TickClock, VERDICT_TAG } from "../rejudge.js";
import { PostgresStore } from "../store/postgres.js";
import { SecretBox } from "../store/secret-box.js";
import type { Store } from "../store/types.js";
import type { RejudgeJobData, RejudgePassTotals } from "./jobs.js";
import { PgBossQueue } from "./pg-boss-queue.js";
import { QueuedRejudger, startRejudgeWorker } from "./rejudge-jobs.js";

const work = mkdtempSync(path.join(os.tmpdir(), "amigate-rejudge-jobs-"));
const IMAGES = 5;
const NOW = new Date("2026-03-02T04:00:00Z");

async function until(what: string, check: () => boolean | Promise<boolean>, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const settle = () => new Promise((r) => setTimeout(r, 1500));

interface Node {
  store: Store;
  queue: PgBossQueue;
  rejudger: QueuedRejudger;
  stopWorker(): void;
}

describe("re-judging passes on the job queue", { skip: postgresMissing() }, () => {
  let cluster: PostgresCluster;
  let dbs: { oldDb: string; newDb: string };
  let scanned: { report: string; facts: string };
  const secrets = () => SecretBox.open(path.join(work, "secret.key"));

  before(async () => {
    cluster = await startPostgres();
    dbs = buildVulnDbs(work);
    const { report, snapshot } = await scanDebian("2026-03-01", dbs.oldDb);
    assert.equal(report.passed, true);
    scanned = { report: JSON.stringify(report), facts: JSON.stringify(snapshot) };
  });
  after(() => {
    cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** A database with an owner's public images, each with a passing scan that the new database fails. */
  async function catalogue(): Promise<{ url: string; ownerId: string; imageIds: string[] }> {
    const url = await cluster.createDatabase();
    const store = await PostgresStore.open(url, secrets());
    try {
      const ownerId = (await store.createAccount({ alias: "acme" })).account.accountId;
      const imageIds: string[] = [];
      for (let n = 0; n < IMAGES; n++) {
        const image = testImage(ownerId, `web-${n}`);
        await store.insertImage(image, []);
        await store.modifyLaunchPermissions(image.imageId, [{ group: "all" }], []);
        const scan = await store.createScan(image.imageId);
        await store.updateScan(scan.scanId, { status: "done", ...scanned });
        imageIds.push(image.imageId);
      }
      return { url, ownerId, imageIds };
    } finally {
      await store.close();
    }
  }

  const settings = (vulnDb: string): RejudgeSettings => ({
    severity: "high",
    requireVulnerabilityChecks: true,
    onRegression: "flag",
    vulnDb,
  });

  /** What every node's runner did: each slice (node, its data, reports judged) and each finished pass. */
  const record = () => ({
    slices: [] as Array<{ node: number; afterScanId: number; pass: string; judged: number }>,
    passes: [] as Array<{ node: number; pass: string; totals: RejudgePassTotals }>,
  });

  async function openNode(
    url: string,
    n: number,
    seen: ReturnType<typeof record>,
    o: {
      vulnDb: string;
      store?: (s: Store) => Store;
      marginS?: number;
      runner?: { sliceMs: number; marginS: number };
    },
  ): Promise<Node> {
    const store = await PostgresStore.open(url, secrets());
    const queue = await PgBossQueue.open(url, { retryDelaySeconds: 0 });
    const timing = { sliceMs: 0, ...(o.marginS !== undefined ? { marginS: o.marginS } : {}) };
    const rejudger = new QueuedRejudger(queue, settings(o.vulnDb), { now: () => NOW, ...timing });
    const worker = await startRejudgeWorker(o.store ? o.store(store) : store, queue, {
      vulnDb: o.vulnDb,
      pageSize: 2,
      ...timing,
      ...o.runner,
      onSlice: (data: RejudgeJobData, s) =>
        seen.slices.push({ node: n, afterScanId: data.afterScanId, pass: data.pass, judged: s.judged }),
      onPass: (pass, totals) => seen.passes.push({ node: n, pass, totals }),
    });
    return { store, queue, rejudger, stopWorker: worker.stop };
  }

  async function closeAll(nodes: Node[]): Promise<void> {
    for (const node of nodes) {
      node.stopWorker();
      await node.queue.close(1000);
      await node.store.close();
    }
  }

  const rejudgeAudits = async (store: Store) =>
    (await store.auditLog(1000)).filter((e) => e.action === "RejudgeImage");

  test("two nodes ticking at once give one pass, in slices; the same day again adds none; another database judges all again and audits nothing twice", async () => {
    const { url, ownerId, imageIds } = await catalogue();
    const seen = record();
    const nodes = [
      await openNode(url, 0, seen, { vulnDb: dbs.newDb }),
      await openNode(url, 1, seen, { vulnDb: dbs.newDb }),
    ];
    try {
      await Promise.all(nodes.map((node) => node.rejudger.request({ trigger: DAILY_TRIGGER })));
      await until("the pass's end", () => seen.passes.length >= 1);
      await settle();
      assert.equal(seen.passes.length, 1, JSON.stringify(seen.passes));
      const { totals, pass } = seen.passes[0]!;
      assert.equal(pass, "daily:2026-03-02");
      assert.equal(totals.judged, IMAGES);
      assert.equal(totals.regressed, IMAGES);
      // Pages of 2 and slices of one page: every slice starts where the last one ended.
      assert.ok(totals.slices >= 3, `slices: ${totals.slices}`);
      assert.equal(new Set(seen.slices.map((s) => s.afterScanId)).size, seen.slices.length);
      assert.equal(
        seen.slices.reduce((sum, s) => sum + s.judged, 0),
        IMAGES,
      );
      const audits = await rejudgeAudits(nodes[0]!.store);
      assert.deepEqual(audits.map((e) => e.resource).sort(), [...imageIds].sort());
      const tags = await nodes[1]!.store.tags(ownerId, imageIds);
      for (const id of imageIds)
        assert.deepEqual(
          tags.get(id)?.filter((t) => t.key === VERDICT_TAG),
          [{ key: VERDICT_TAG, value: "fail" }],
        );
      assert.deepEqual(await nodes[0]!.rejudger.status().then((s) => [s.running, s.waiting]), [false, false]);

      // The same day's tick, on either node: the same pass, already done.
      await Promise.all(nodes.map((node) => node.rejudger.request({ trigger: DAILY_TRIGGER })));
      await settle();
      assert.equal(seen.passes.length, 1);

      // An admin's call once the node judges with the old database: another pass; nothing changes back
      // twice (the reports pass again: recovered once each), and judging again with it changes nothing.
      await closeAll(nodes.splice(0));
      const old = [
        await openNode(url, 2, seen, { vulnDb: dbs.oldDb }),
        await openNode(url, 3, seen, { vulnDb: dbs.oldDb }),
      ];
      nodes.push(...old);
      const call = { accountId: "admin", accessKeyId: "AKIA", sourceIp: "192.0.2.7", reason: "api" };
      await old[0]!.rejudger.request({ trigger: call });
      await until("the second pass's end", () => seen.passes.length >= 2);
      await old[1]!.rejudger.request({ trigger: call });
      await settle();
      assert.equal(seen.passes.length, 2);
      assert.equal(seen.passes[1]!.totals.recovered, IMAGES);
      const after = await rejudgeAudits(old[0]!.store);
      assert.equal(after.length, 2 * IMAGES);
      assert.equal(after.filter((e) => e.outcome === "recovered").length, IMAGES);
    } finally {
      await closeAll(nodes);
    }
  });

  test("two serve catalogues whose daily ticks fire together: one pass, run by a node's own scan worker", async () => {
    const { url, imageIds } = await catalogue();
    let now = Date.parse("2026-03-02T03:59:00Z");
    const timers: Array<() => void> = [];
    const clock: TickClock = {
      now: () => new Date(now),
      setTimeout: (fn) => {
        timers.push(fn);
        return { cancel: () => undefined };
      },
    };
    const lines: string[] = [];
    const nodes: Array<Catalogue<Store>> = [];
    try {
      for (const n of [0, 1]) {
        const dataDir = path.join(work, `serve-${n}`);
        mkdirSync(dataDir, { recursive: true, mode: 0o700 });
        copyFileSync(path.join(work, "secret.key"), path.join(dataDir, "secret.key"));
        nodes.push(
          await openCatalogueOn(
            {
              dataDir,
              scanWorkers: 1,
              vulnDb: dbs.newDb,
              rejudgeAt: 4 * 60,
              rejudgeClock: clock,
              rejudgeLog: (line) => lines.push(`node ${n}: ${line}`),
            },
            url,
          ),
        );
      }
      now = Date.parse("2026-03-02T04:00:00Z");
      for (const fire of timers.splice(0)) fire();
      await until("the pass's end", () => lines.length >= 1);
      await settle();
      assert.equal(lines.length, 1, lines.join("\n"));
      assert.match(lines[0]!, /re-judged daily:2026-03-02: 5 reports, 5 changed, 5 regressed/);
      const audits = await rejudgeAudits(nodes[0]!.store);
      assert.deepEqual(audits.map((e) => e.resource).sort(), [...imageIds].sort());
    } finally {
      for (const node of nodes) await node.close();
    }
  });

  test("a slice whose runner stops answering (a killed worker) is run again by the other node; nothing is audited twice", async () => {
    const { url, imageIds } = await catalogue();
    const seen = record();
    let hung = false;
    // Node 0's runner (slices up to their jobs' expiry, 5 s) judges two pages, then never comes
    // back from reading the third: its queue gives up on the attempt after 5 s.
    let reads = 0;
    const hanging = (store: Store): Store =>
      new Proxy(store, {
        get(target, key) {
          // Methods run on the store itself (its private fields are not the proxy's).
          const value: unknown = Reflect.get(target, key);
          if (key !== "judgeableScans") return typeof value === "function" ? value.bind(target) : value;
          return (q: Parameters<Store["judgeableScans"]>[0]) => {
            if (++reads === 3) {
              hung = true;
              return new Promise(() => undefined);
            }
            return target.judgeableScans(q);
          };
        },
      });
    const nodes = [
      await openNode(url, 0, seen, {
        vulnDb: dbs.newDb,
        store: hanging,
        marginS: 5,
        runner: { sliceMs: 60_000, marginS: 0 },
      }),
    ];
    try {
      await nodes[0]!.rejudger.request({ trigger: DAILY_TRIGGER });
      await until("node 0 hanging", () => hung);
      nodes.push(await openNode(url, 1, seen, { vulnDb: dbs.newDb, marginS: 5 }));
      await until("the pass's end", () => seen.passes.length >= 1, 90);
      await settle();
      assert.equal(seen.passes.length, 1);
      // The slice ran again from its start (on either node): four reports were judged and marked already.
      assert.equal(seen.passes[0]!.totals.judged, IMAGES);
      assert.equal(seen.passes[0]!.totals.regressed, 1);
      const audits = await rejudgeAudits(nodes[1]!.store);
      assert.deepEqual(audits.map((e) => e.resource).sort(), [...imageIds].sort());
    } finally {
      await closeAll(nodes);
    }
  });
});
