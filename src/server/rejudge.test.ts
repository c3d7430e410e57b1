/**
 * Re-judging a catalogue in process: stored reports of the real Debian rootfs (with their facts
 * snapshots) judged again as of a later date and with a newer database, through the admin
 * endpoint; regressions audited, tagged, shown in scan.json and, with make-private, made private;
 * the daily tick on a clock moved by hand.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  bodyText,
  items,
  parseEc2,
  type TestCatalogue,
  testCatalogue,
} from "../../test/support/catalogue.js";
import { buildVulnDbs, scanDebian } from "../../test/support/rejudge-fixtures.js";
import { testImage } from "../../test/support/store.js";
import type { ScanResult } from "../policy/result.js";
import { App } from "./app.js";
import {
  DailyTick,
  nextTickAfter,
  parseTimeOfDay,
  type RejudgeRequest,
  Rejudger,
  type RejudgeScheduler,
  type RejudgeSettings,
  type RejudgeSummary,
  rejudgeCatalogue,
  type TickClock,
  VERDICT_TAG,
} from "./rejudge.js";
import { signHeaders } from "./sign.js";
import type { NewAccount } from "./store/types.js";

const work = mkdtempSync(path.join(os.tmpdir(), "amigate-server-rejudge-"));
after(() => rmSync(work, { recursive: true, force: true }));

let cat: TestCatalogue;
let app: App;
let admin: NewAccount;
let owner: NewAccount;
let stranger: NewAccount;
let dbs: { oldDb: string; newDb: string };
let scanned: { report: string; facts: string };
let rejudger: Rejudger;

const settings = (over: Partial<RejudgeSettings> = {}): RejudgeSettings => ({
  severity: "high",
  requireVulnerabilityChecks: true,
  onRegression: "flag",
  vulnDb: dbs.oldDb,
  ...over,
});

async function call(who: NewAccount, method: string, urlPath: string, body?: unknown) {
  const url = new URL(urlPath, "http://127.0.0.1:8754");
  const text = body === undefined ? "" : JSON.stringify(body);
  const headers = await signHeaders(who, {
    method,
    url,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: text,
  });
  const res = await app.handle({
    method,
    url: url.pathname,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from(text),
    remoteAddress: "192.0.2.7",
  });
  const raw = await bodyText(res);
  if (res.status !== 200) return { status: res.status, code: parseEc2(raw, res.status).code };
  return { status: 200, json: JSON.parse(raw) as Record<string, unknown> };
}

/** An image of the owner with a finished scan of the Debian rootfs (report and facts) behind it. */
async function scannedImage(name: string, shared: "public" | "private"): Promise<string> {
  const image = testImage(owner.account.accountId, name);
  await cat.store.insertImage(image, []);
  if (shared === "public") await cat.store.modifyLaunchPermissions(image.imageId, [{ group: "all" }], []);
  const scan = await cat.store.createScan(image.imageId);
  await cat.store.updateScan(scan.scanId, { status: "done", ...scanned });
  return image.imageId;
}

async function tagsOf(imageId: string): Promise<Record<string, string>> {
  const img = items(
    await cat.call(owner, "DescribeImages", { "ImageId.1": imageId }),
    "DescribeImages",
    "imagesSet",
  )[0];
  const set = img?.tagSet as { item?: Array<{ key: string; value: string }> } | undefined;
  return Object.fromEntries((set?.item ?? []).map((t) => [t.key, t.value]));
}

const isPublic = async (imageId: string) => (await cat.store.image(imageId))!.isPublic;
const rejudgeAudits = async () => (await cat.store.auditLog(1000)).filter((e) => e.action === "RejudgeImage");

/** Runs a request through the endpoint as the admin and waits for the run to end. */
async function rejudgeVia(body: Record<string, unknown>) {
  const r = await call(admin, "POST", "/amigate/rejudge", body);
  assert.equal(r.status, 200, JSON.stringify(r));
  await rejudger.idle();
  return (await rejudger.status()).last!;
}

describe("re-judging the catalogue", () => {
  before(async () => {
    dbs = buildVulnDbs(work);
    const { report, snapshot } = await scanDebian("2026-03-01", dbs.oldDb);
    assert.equal(report.passed, true);
    scanned = { report: JSON.stringify(report), facts: JSON.stringify(snapshot) };
    cat = await testCatalogue();
    admin = cat.createdAdmin!;
    owner = await cat.account("acme");
    stranger = await cat.account();
    rejudger = new Rejudger(cat.store, settings());
    app = new App({ ...cat.app.deps, rejudge: rejudger });
  });
  after(() => cat.dispose());

  it("as of 2029 the OS is past its end of life: audited, tagged, shown in scan.json, still public with flag", async () => {
    const pub = await scannedImage("web-1", "public");
    const priv = await scannedImage("web-2", "private");
    await cat.call(owner, "CreateTags", { "ResourceId.1": pub, "Tag.1.Key": "team", "Tag.1.Value": "web" });
    const before = await call(owner, "GET", `/amigate/images/${pub}/scan.json`);
    assert.equal(before.json?.verdict, "pass");
    const summary = await rejudgeVia({ asOf: "2029-01-01" });
    assert.equal(summary.asOf, "2029-01-01T00:00:00.000Z");
    assert.deepEqual([summary.judged, summary.changed], [2, 2]);
    assert.deepEqual(summary.regressed.sort(), [pub, priv].sort());
    assert.deepEqual([summary.madePrivate, summary.recovered, summary.failed], [[], [], []]);
    assert.deepEqual(await tagsOf(pub), { team: "web", [VERDICT_TAG]: "fail" });
    assert.equal(await isPublic(pub), true);
    const after = await call(stranger, "GET", `/amigate/images/${pub}/scan.json`);
    assert.equal(after.json?.verdict, "fail");
    assert.match(String(after.json?.verdictReasons), /os-end-of-life/);
    assert.equal(typeof after.json?.judgedAt, "string");
    const report = after.json?.report as ScanResult & { rejudgedAt: string };
    assert.equal(report.rejudgedAt, "2029-01-01T00:00:00.000Z");
    assert.ok(report.findings.some((f) => f.rule === "os-end-of-life" && f.severity === "high"));
    const audits = await rejudgeAudits();
    assert.deepEqual(
      audits.map((a) => [a.resource, a.outcome]).sort(),
      [
        [priv, "regressed"],
        [pub, "regressed"],
      ].sort(),
    );
    assert.equal(audits[0]!.accountId, admin.account.accountId);
    assert.equal(audits[0]!.sourceIp, "192.0.2.7");
    const detail = JSON.parse(audits[0]!.detail) as { added: Array<{ rule: string }>; madePrivate: boolean };
    assert.ok(detail.added.some((f) => f.rule === "os-end-of-life"));
    assert.equal(detail.madePrivate, false);
    // The same date again changes nothing and audits nothing.
    const again = await rejudgeVia({ asOf: "2029-01-01" });
    assert.deepEqual([again.judged, again.changed, again.regressed.length], [2, 0, 0]);
    assert.equal((await rejudgeAudits()).length, 2);
    // Back to the scan's date: both pass again, tagged so, and the public one was never made private.
    const back = await rejudgeVia({ asOf: "2026-03-01", imageIds: [pub, priv] });
    assert.deepEqual(back.recovered.sort(), [pub, priv].sort());
    assert.equal((await tagsOf(pub))[VERDICT_TAG], "pass");
  });

  it("a newer database with advisories for its packages, make-private: the public image stops being public", async () => {
    const pub = await scannedImage("api-1", "public");
    const strict = new Rejudger(cat.store, settings({ onRegression: "make-private", vulnDb: dbs.newDb }));
    await strict.request({
      asOf: "2026-03-01T00:00:00.000Z",
      imageIds: [pub],
      trigger: {
        accountId: admin.account.accountId,
        accessKeyId: admin.accessKeyId,
        sourceIp: "",
        reason: "api",
      },
    });
    await strict.idle();
    const summary = (await strict.status()).last!;
    assert.deepEqual([summary.regressed, summary.madePrivate], [[pub], [pub]]);
    assert.equal(await isPublic(pub), false);
    assert.deepEqual(await cat.store.launchPermissions(pub), []);
    assert.equal((await tagsOf(pub))[VERDICT_TAG], "fail");
    const scan = await call(owner, "GET", `/amigate/images/${pub}/scan.json`);
    const report = scan.json?.report as ScanResult;
    assert.ok(report.findings.filter((f) => f.rule === "known-vulnerabilities").length >= 5);
    const entry = (await rejudgeAudits()).find((a) => a.resource === pub)!;
    assert.equal(JSON.parse(entry.detail).madePrivate, true);
    // A passing verdict later does not make it public again: that is the owner's call.
    const lenient = new Rejudger(cat.store, settings({ onRegression: "make-private", vulnDb: dbs.oldDb }));
    await lenient.request({ ...summaryRequest(pub) });
    await lenient.idle();
    assert.deepEqual((await lenient.status()).last!.recovered, [pub]);
    assert.equal(await isPublic(pub), false);
  });

  it("killed between writing the report and marking the image: the next run marks it, once", async () => {
    const pub = await scannedImage("killed-1", "public");
    const trigger = {
      accountId: admin.account.accountId,
      accessKeyId: admin.accessKeyId,
      sourceIp: "",
      reason: "api",
    };
    const request = { asOf: "2026-03-01T00:00:00.000Z", imageIds: [pub], trigger };
    const strict = settings({ onRegression: "make-private", vulnDb: dbs.newDb });
    // The process "dies" where the report is written and the mark is not: the store refuses
    // everything the mark does.
    const dying = new Proxy(cat.store, {
      get(target, key, receiver) {
        if (key === "createTags" || key === "modifyLaunchPermissions" || key === "audit")
          return () => Promise.reject(new Error("killed"));
        const v = Reflect.get(target, key, receiver);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const first = await rejudgeCatalogue(dying, strict, request);
    assert.equal(first.changed, 1);
    assert.deepEqual(
      first.failed.map((f) => f.error),
      ["killed"],
    );
    assert.equal(await isPublic(pub), true, "nothing of the mark happened");
    assert.equal((await tagsOf(pub))[VERDICT_TAG], undefined);
    const [pending] = await cat.store.judgeableScans({ afterScanId: 0, limit: 10, imageIds: [pub] });
    assert.ok(pending?.pendingMark, "the mark is kept with the report");

    // The next run finds the report unchanged (it was written) and carries out the kept mark.
    const second = await rejudgeCatalogue(cat.store, strict, {
      ...request,
      trigger: { ...trigger, reason: "daily" },
    });
    assert.deepEqual([second.changed, second.regressed, second.madePrivate], [0, [pub], [pub]]);
    assert.equal(await isPublic(pub), false);
    assert.equal((await tagsOf(pub))[VERDICT_TAG], "fail");
    const entries = (await rejudgeAudits()).filter((a) => a.resource === pub);
    assert.equal(entries.length, 1);
    assert.equal(JSON.parse(entries[0]!.detail).reason, "api", "the entry names the run that decided it");
    const [done] = await cat.store.judgeableScans({ afterScanId: 0, limit: 10, imageIds: [pub] });
    assert.equal(done?.pendingMark, undefined);
    const third = await rejudgeCatalogue(cat.store, strict, request);
    assert.deepEqual([third.regressed, third.failed], [[], []]);
    assert.equal((await rejudgeAudits()).filter((a) => a.resource === pub).length, 1, "carried out once");
  });

  it("only an admin re-judges; a malformed request is refused before anything is queued", async () => {
    assert.equal((await call(owner, "POST", "/amigate/rejudge", {})).code, "UnauthorizedOperation");
    assert.equal((await call(owner, "GET", "/amigate/rejudge")).code, "UnauthorizedOperation");
    for (const body of [
      { asOf: "2029-02-30" },
      { asOf: 20290101 },
      { imageIds: ["x"] },
      { imageIds: [] },
      { when: 1 },
    ])
      assert.equal(
        (await call(admin, "POST", "/amigate/rejudge", body)).code,
        "InvalidParameterValue",
        JSON.stringify(body),
      );
    const status = await call(admin, "GET", "/amigate/rejudge");
    const database = status.json?.database as { path: string; advisories: number; lastImport: string };
    assert.deepEqual(
      [database.path, database.advisories, typeof database.lastImport],
      [dbs.oldDb, 1, "string"],
    );
    assert.equal(status.json?.running, false);
  });

  it("a request without a date takes the pinned one; requests while a run goes wait as one", async () => {
    const id = await scannedImage("pinned-1", "private");
    const summaries: RejudgeSummary[] = [];
    const pinned = new Rejudger(cat.store, settings(), {
      pinnedAsOf: "2029-01-01",
      onSummary: (s) => summaries.push(s),
    });
    const trigger = { accountId: "amigate", accessKeyId: "", sourceIp: "", reason: "test" };
    assert.deepEqual(await pinned.request({ trigger, imageIds: [id] }), { asOf: "2029-01-01T00:00:00.000Z" });
    await pinned.request({ trigger, asOf: "2030-06-01T00:00:00.000Z", imageIds: [id] });
    await pinned.request({ trigger, asOf: "2027-01-01T00:00:00.000Z" });
    await pinned.idle();
    const every = (await cat.store.judgeableScans({ afterScanId: 0, limit: 1000 })).length;
    assert.deepEqual(
      summaries.map((s) => [s.asOf, s.judged]),
      [
        ["2029-01-01T00:00:00.000Z", 1],
        ["2030-06-01T00:00:00.000Z", every],
      ],
    );
  });

  it("pages of any size judge every judgeable scan once", async () => {
    const every = (await cat.store.judgeableScans({ afterScanId: 0, limit: 1000 })).length;
    assert.ok(every >= 4);
    const trigger = { accountId: "amigate", accessKeyId: "", sourceIp: "", reason: "test" };
    for (const pageSize of [1, 3, every])
      for (const asOf of ["2031-01-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"]) {
        const s = await rejudgeCatalogue(cat.store, settings(), { asOf, trigger }, { pageSize });
        assert.equal(s.judged, every, `pages of ${pageSize}`);
        assert.equal(s.changed + s.skipped, every, "each date changes every report");
      }
  });

  it("closing stops a run between pages: what was judged is written, the rest is left to the next run", async () => {
    const trigger = { accountId: "amigate", accessKeyId: "", sourceIp: "", reason: "test" };
    const every = (await cat.store.judgeableScans({ afterScanId: 0, limit: 1000 })).length;
    const stop = new AbortController();
    let pages = 0;
    // The store, aborting the run when it hands out its second page.
    const store = new Proxy(cat.store, {
      get(target, prop) {
        if (prop === "judgeableScans")
          return (q: { afterScanId: number; limit: number }) => {
            if (++pages === 2) stop.abort();
            return target.judgeableScans(q);
          };
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const s = await rejudgeCatalogue(
      store,
      settings(),
      { asOf: "2032-01-01T00:00:00.000Z", trigger },
      { pageSize: 1, signal: stop.signal },
    );
    assert.equal(s.interrupted, true);
    assert.equal(s.judged, 2, "the page being read when it stopped is still judged");
    const rest = await rejudgeCatalogue(cat.store, settings(), { asOf: "2032-01-01T00:00:00.000Z", trigger });
    assert.equal(rest.changed, every - 2);
  });

  it("a run lets the event loop turn between reports (SQLite answers synchronously)", async () => {
    const trigger = { accountId: "amigate", accessKeyId: "", sourceIp: "", reason: "test" };
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const s = await rejudgeCatalogue(cat.store, settings(), { asOf: "2033-01-01T00:00:00.000Z", trigger });
    spinning = false;
    assert.ok(s.judged >= 4);
    assert.ok(turns >= s.judged, `${turns} turns of the event loop for ${s.judged} reports`);
  });

  it("the catalogue's tags are its own: callers can neither set nor delete amigate: keys", async () => {
    const id = await scannedImage("tagged-1", "private");
    await rejudgeVia({ asOf: "2029-01-01", imageIds: [id] });
    await cat.call(owner, "CreateTags", { "ResourceId.1": id, "Tag.1.Key": "team", "Tag.1.Value": "web" });
    assert.equal(
      (
        await cat.call(owner, "CreateTags", {
          "ResourceId.1": id,
          "Tag.1.Key": VERDICT_TAG,
          "Tag.1.Value": "pass",
        })
      ).code,
      "InvalidParameterValue",
    );
    assert.equal(
      (await cat.call(owner, "DeleteTags", { "ResourceId.1": id, "Tag.1.Key": "AMIGATE:verdict" })).code,
      "InvalidParameterValue",
    );
    // DeleteTags without Tag.N removes every tag of the caller's but the catalogue's.
    assert.equal((await cat.call(owner, "DeleteTags", { "ResourceId.1": id })).status, 200);
    assert.deepEqual(await tagsOf(id), { [VERDICT_TAG]: "fail" });
  });
});

function summaryRequest(imageId: string): RejudgeRequest {
  return {
    asOf: "2026-03-01T00:00:00.000Z",
    imageIds: [imageId],
    trigger: { accountId: "amigate", accessKeyId: "", sourceIp: "", reason: "api" },
  };
}

/** A clock moved by hand; timers fire when it passes their time. */
class ManualClock implements TickClock {
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  constructor(private t: number) {}
  now(): Date {
    return new Date(this.t);
  }
  setTimeout(fn: () => void, ms: number) {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.live = false;
      },
    };
  }
  /** Moves to `iso`, firing each timer due on the way at its own time. */
  advanceTo(iso: string): void {
    const end = Date.parse(iso);
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
  /** Fires a timer before its time, as a coarse timer may. */
  fireEarly(): void {
    const next = this.timers.find((x) => x.live);
    if (next) {
      next.live = false;
      next.fn();
    }
  }
}

describe("the daily tick", () => {
  it("--rejudge-at parses HH:MM (UTC) and the next tick is strictly after now", () => {
    assert.equal(parseTimeOfDay("03:00"), 180);
    assert.equal(parseTimeOfDay("23:59"), 1439);
    for (const bad of ["3:00", "24:00", "12:60", "noon", ""])
      assert.equal(parseTimeOfDay(bad), undefined, bad);
    assert.equal(
      nextTickAfter(new Date("2026-12-05T02:59:59Z"), 180).toISOString(),
      "2026-12-05T03:00:00.000Z",
    );
    assert.equal(
      nextTickAfter(new Date("2026-12-05T03:00:00Z"), 180).toISOString(),
      "2026-12-06T03:00:00.000Z",
    );
    assert.equal(
      nextTickAfter(new Date("2026-12-31T10:00:00Z"), 0).toISOString(),
      "2027-01-01T00:00:00.000Z",
    );
  });

  it("asks for one run of every image a day at its time, and none when fired early", async () => {
    const asked: Array<RejudgeRequest & { at: string }> = [];
    const clock = new ManualClock(Date.parse("2026-12-05T10:00:00Z"));
    const scheduler: RejudgeScheduler = {
      request: async (r) => {
        asked.push({ ...r, at: clock.now().toISOString() });
        return { asOf: clock.now().toISOString() };
      },
      status: async () => ({ running: false, waiting: false, database: { path: "" } }),
    };
    const tick = new DailyTick(scheduler, 180, clock).start();
    assert.equal(tick.next().toISOString(), "2026-12-06T03:00:00.000Z");
    clock.advanceTo("2026-12-06T02:59:00Z");
    assert.equal(asked.length, 0);
    clock.fireEarly();
    assert.equal(asked.length, 0, "a timer firing before its time re-arms");
    clock.advanceTo("2026-12-08T12:00:00Z");
    // Every image (no ids), on the scheduler's today (no date).
    assert.deepEqual(
      asked.map((r) => [r.at, r.asOf, r.imageIds, r.trigger.reason]),
      [
        ["2026-12-06T03:00:00.000Z", undefined, undefined, "daily"],
        ["2026-12-07T03:00:00.000Z", undefined, undefined, "daily"],
        ["2026-12-08T03:00:00.000Z", undefined, undefined, "daily"],
      ],
    );
    tick.stop();
    clock.advanceTo("2026-12-10T12:00:00Z");
    assert.equal(asked.length, 3);
  });
});
