/**
 * The scan report page in a real browser: Debian's chromium (scripts/install-deps.sh) driven by
 * playwright-core loads GET /amigate/images/{id}/scan.html from a running `amigate serve` through a
 * presigned URL (the way a browser authenticates: SigV4 in the query), for an image whose scan of
 * the seeded Debian rootfs fails. It checks what a reader sees and that the page loads nothing
 * else; a screenshot is left in the temp folder for a look.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { type BrowserContext, chromium } from "playwright-core";
import { member, type TestCatalogue, testCatalogue } from "../../test/support/catalogue.js";
import { debianRootfsPath } from "../../test/support/trees.js";
import type { ScanResult } from "../policy/result.js";
import { serve } from "./http.js";
import { runScanJob } from "./scan-worker.js";
import { presignUrl } from "./sign.js";
import type { NewAccount } from "./store/types.js";

const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOT = path.join(os.tmpdir(), "amigate-scan-report.png");
const seeded = path.join(path.dirname(debianRootfsPath()), "debian-bookworm-seeded");

let c: TestCatalogue;
let server: Server;
let base: URL;
let owner: NewAccount;
let stranger: NewAccount;
let imageId: string;
let context: BrowserContext;
let profile: string;
let report: ScanResult;
const SEV = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"];

before(async () => {
  c = await testCatalogue();
  owner = await c.account("report-owner");
  stranger = await c.account("report-stranger");
  const r = await c.call(owner, "RegisterImage", {
    Name: "web-seeded",
    Architecture: "x86_64",
    RootDeviceName: "/dev/xvda",
  });
  imageId = member(r, "RegisterImage", "imageId") as string;
  const job = await runScanJob({ path: seeded, imageId, failOn: "high" });
  assert.ok(job.ok);
  report = JSON.parse(job.report) as ScanResult;
  assert.equal(report.passed, false);
  const scan = await c.store.createScan(imageId);
  await c.store.updateScan(scan.scanId, { status: "done", report: job.report });
  const s = await serve(c.app, "127.0.0.1", 0);
  server = s.server;
  base = new URL(s.url);
  profile = mkdtempSync(path.join(os.tmpdir(), "amigate-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1200, height: 900 },
  });
});

after(async () => {
  await context?.close();
  server?.close();
  await c?.dispose();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const reportUrl = (who: NewAccount) =>
  presignUrl(who, new URL(`/amigate/images/${imageId}/scan.html`, base), 300);

test("the owner's presigned link shows the failing verdict, the findings by rule, secrets masked, nothing fetched elsewhere", {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} missing (scripts/install-deps.sh installs chromium)`,
}, async () => {
  const page = await context.newPage();
  const requested: string[] = [];
  page.on("request", (r) => requested.push(r.url()));
  const res = await page.goto((await reportUrl(owner)).href);
  assert.equal(res?.status(), 200);
  assert.equal(res?.headers()["content-type"], "text/html;charset=utf-8");

  assert.match(await page.title(), /^amigate: FAIL /);
  const verdict = page.locator(".verdict");
  // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered, what a reader sees (textContent has hidden text too)
  assert.equal(await verdict.innerText(), "FAIL");
  assert.equal(await verdict.evaluate((e) => getComputedStyle(e).backgroundColor), "rgb(207, 34, 46)");

  // The findings table: one row per rule of the stored report, with its severity, id, clauses and
  // count, each linking to its details further down.
  const rows = await page.locator("table.findings tbody tr").evaluateAll((trs) =>
    // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered, what a reader sees (textContent has hidden text too)
    trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => (td as HTMLElement).innerText.trim())),
  );
  const expected = new Map<string, string[]>();
  for (const f of report.findings) {
    const n = Number(expected.get(f.rule)?.[4] ?? 0) + 1;
    expected.set(f.rule, [f.severity.toUpperCase(), f.rule, f.title, f.clauses.join(", "), String(n)]);
  }
  assert.deepEqual(
    [...rows].sort((x, y) => x[1]!.localeCompare(y[1]!)),
    [...expected.values()].sort((x, y) => x[1]!.localeCompare(y[1]!)),
  );
  for (const rule of [
    "ssh-password-auth",
    "aws-credentials",
    "private-key-in-image",
    "password-hash-login-user",
  ]) {
    assert.ok(expected.has(rule), rule);
    assert.equal(await page.locator(`table.findings a[href="#rule-${rule}"]`).count(), 1, rule);
    assert.equal(await page.locator(`section#rule-${rule}`).count(), 1, rule);
  }
  // Worst first: the first row is the most severe.
  assert.equal(
    rows[0]![0],
    [...expected.values()].map((r) => r[0]!).sort((x, y) => SEV.indexOf(x) - SEV.indexOf(y))[0],
  );

  // Secrets from the seeded image never reach the page; the evidence keeps only a masked prefix.
  // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered, what a reader sees (textContent has hidden text too)
  const text = await page.locator("body").innerText();
  const html = await page.content();
  const secretKey = "7CE556A3BC234CC1FF9E8A5C324C0BB70AA21B6D";
  const privateKeyBody = readFileSync(path.join(seeded, "srv/deploy/id_ed25519"), "utf8").split("\n")[2]!;
  const shadowHash = readFileSync(path.join(seeded, "etc/shadow"), "utf8")
    .split("\n")
    .find((l) => l.startsWith("admin:"))!
    .split(":")[1]!;
  for (const secret of [secretKey, privateKeyBody, shadowHash]) {
    assert.ok(secret.length > 16);
    assert.ok(!html.includes(secret) && !text.includes(secret), `secret ${secret.slice(0, 6)}… on the page`);
  }
  assert.match(text, /7CE5\*+/);

  // Only the page itself was requested (CSP default-src 'none'; nothing external, no scripts).
  assert.ok(requested.length >= 1);
  for (const u of requested) assert.equal(new URL(u).origin, base.origin, u);
  assert.equal(await page.locator("script, link[rel=stylesheet], img, iframe").count(), 0);

  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, "-top.png") });
  assert.ok(readFileSync(SCREENSHOT).length > 10_000);
  await page.close();
});

test("the page is for accounts that can see the image: a stranger's link and an unsigned one are refused", {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} missing`,
}, async () => {
  const page = await context.newPage();
  let res = await page.goto((await reportUrl(stranger)).href);
  assert.equal(res?.status(), 400);
  assert.match(await page.content(), /InvalidAMIID\.NotFound/);
  res = await page.goto(new URL(`/amigate/images/${imageId}/scan.html`, base).href);
  assert.equal(res?.status(), 401);
  assert.match(await page.content(), /MissingAuthenticationToken/);
  await page.close();
});
