/**
 * Report formats through the real CLI (a child process) on the seeded Debian rootfs: each format
 * agrees with the JSON report of the same scan.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import type * as Sarif from "sarif";
import type { ScanResult } from "../src/policy/result.js";
import { SEVERITIES } from "../src/policy/severity.js";
import { htmlEscape } from "../src/report/html-escape.js";
import { haveChromium, launchChromium } from "./support/browser.js";
import { githubCodeScanningProblems } from "./support/github-code-scanning.js";
import { sarifValidator } from "./support/sarif-schema.js";
import { debianRootfsPath, REPO_ROOT } from "./support/trees.js";

const CLI = path.join(REPO_ROOT, "src/cli/main.ts");
const TSX = import.meta.resolve("tsx");
const work = mkdtempSync(path.join(os.tmpdir(), "amigate-reports-"));
after(() => rmSync(work, { recursive: true, force: true }));
const seeded = path.join(path.dirname(debianRootfsPath()), "debian-bookworm-seeded");
/** A fixed date: the verdict must not change with the day the test runs. */
const AS_OF = "2026-03-01";

function amigate(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", TSX, CLI, ...args], {
    cwd: work,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", AMIGATE_DB: path.join(work, "none.db"), ...env },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let jsonReport: ScanResult | undefined;
/** The JSON report of the seeded rootfs, once. */
function seededJson(): ScanResult {
  if (!jsonReport) {
    const r = amigate(["scan", seeded, "--as-of", AS_OF, "--format", "json"]);
    assert.equal(r.status, 1, r.stderr);
    jsonReport = JSON.parse(r.stdout) as ScanResult;
  }
  return jsonReport;
}

describe("amigate scan --format html", () => {
  const file = path.join(work, "report.html");
  it("writes one self-contained page: strict CSP, no script, every finding, the JSON report's counts", () => {
    const r = amigate(["scan", seeded, "--as-of", AS_OF, "--format", "html", "--output", file]);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, "");
    const html = readFileSync(file, "utf8");
    const json = seededJson();
    assert.ok(json.findings.length >= 10);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    assert.match(csp ?? "", /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; /);
    assert.doesNotMatch(html, /<script|\son[a-z]+=|javascript:|<link|<img|<iframe|\bsrc=|url\(/i);
    for (const f of json.findings) {
      assert.ok(html.includes(`<code>${htmlEscape(f.rule)}</code>`), f.rule);
      assert.ok(html.includes(htmlEscape(f.message)), f.message);
    }
    // The summary picture's severity bars and the header's counts are the JSON report's.
    const bars = Object.fromEntries(
      [...html.matchAll(/<g data-key="([a-z]+)" data-count="(\d+)">/g)]
        .slice(0, 5)
        .map((m) => [m[1], Number(m[2])]),
    );
    assert.deepEqual(bars, json.summary);
    for (const s of SEVERITIES)
      assert.ok(html.includes(`<span class="${s}">${s} ${json.summary[s]}</span>`), s);
    assert.ok(html.includes(`${json.findings.length}: <span class="critical">`));
  });

  it("in chromium: no CSP violation, the styles apply, and printing keeps the verdict readable", {
    skip: !haveChromium && "no /usr/bin/chromium",
  }, async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
      });
      const requested: string[] = [];
      page.on("request", (q) => requested.push(q.url()));
      await page.goto(pathToFileURL(file).href);
      assert.deepEqual(problems, []);
      assert.deepEqual(requested, [pathToFileURL(file).href]);
      const verdict = page.locator(".verdict");
      // The style element applied (its hash is in the policy): the verdict's red badge.
      assert.equal(await verdict.evaluate((e) => getComputedStyle(e).backgroundColor), "rgb(207, 34, 46)");
      assert.equal(await page.locator("svg[role=img]").count(), 2);
      const bar = page.locator('svg g[data-key="critical"] rect');
      assert.ok((await bar.boundingBox())!.width > 0);
      // Printed, backgrounds are dropped: the verdict turns black on white with a border.
      await page.emulateMedia({ media: "print" });
      assert.deepEqual(
        await verdict.evaluate((e) => {
          const s = getComputedStyle(e);
          return [s.color, s.backgroundColor, s.borderTopWidth];
        }),
        ["rgb(0, 0, 0)", "rgba(0, 0, 0, 0)", "2px"],
      );
      const pdf = await page.pdf({ format: "A4" });
      assert.ok(pdf.length > 10_000, `${pdf.length} bytes of PDF`);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
});

describe("amigate scan --format sarif", () => {
  it("every result of the seeded rootfs has a file and a line; os-end-of-life points at /etc/os-release", () => {
    // Past Debian LTS: the image-wide os-end-of-life finding is in the report.
    const r = amigate(["scan", seeded, "--as-of", "2029-01-01", "--format", "sarif"]);
    assert.equal(r.status, 1, r.stderr);
    const log = JSON.parse(r.stdout) as Sarif.Log;
    const validate = sarifValidator();
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    assert.deepEqual(githubCodeScanningProblems(log), []);
    const results = log.runs[0]!.results!;
    assert.ok(results.length >= 10);
    const eol = results.find((x) => x.ruleId === "os-end-of-life");
    assert.deepEqual(eol?.locations?.[0]?.physicalLocation, {
      artifactLocation: { uri: "etc/os-release", uriBaseId: "IMAGEROOT" },
      region: { startLine: 1 },
    });
    for (const x of results) assert.ok(x.locations![0]!.physicalLocation!.artifactLocation!.uri, x.ruleId);
  });
});

describe("amigate scan --format junit", () => {
  it("agrees with the exit code: an unreadable file is a skipped case, red only when the scan fails", () => {
    const root = path.join(work, "junit-tree");
    mkdirSync(path.join(root, "etc"), { recursive: true });
    writeFileSync(path.join(root, "etc/os-release"), 'ID=debian\nVERSION_ID="12"\n');
    writeFileSync(path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    writeFileSync(path.join(root, "etc/shadow"), "root:*:19000:0:99999:7:::\n");
    // Past the credential pass's 256 MiB bound: listed as a file that could not be read. Text at
    // its head (what tells text from binary), a hole after it: 64 KiB on disk.
    writeFileSync(path.join(root, "etc/big.conf"), "a=b\n".repeat(16 * 1024));
    truncateSync(path.join(root, "etc/big.conf"), 300 * 1024 * 1024);
    const counts = (xml: string) => {
      const top = /<testsuites ([^>]*)>/.exec(xml)![1]!;
      const n = (k: string) => Number(new RegExp(`${k}="(\\d+)"`).exec(top)![1]);
      return { failures: n("failures"), errors: n("errors") };
    };
    const passing = amigate(["scan", root, "--as-of", AS_OF, "--format", "junit", "--fail-on", "critical"]);
    assert.equal(passing.status, 0, passing.stderr);
    assert.deepEqual(counts(passing.stdout), { failures: 0, errors: 0 });
    assert.match(passing.stdout, /<skipped message="could not read \/etc\/big\.conf: EFBIG/);
    const failing = amigate(["scan", root, "--as-of", AS_OF, "--format", "junit", "--fail-on", "high"]);
    assert.equal(failing.status, 1, failing.stderr);
    assert.ok(counts(failing.stdout).failures > 0);
    assert.equal(counts(failing.stdout).errors, 0);
  });
});
