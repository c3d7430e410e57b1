/**
 * The report flags through the real CLI (a child process): --severity, -q, the ignore file's rule
 * ids and expiry, AMIGATE_FORMAT/AMIGATE_FAIL_ON/AMIGATE_OUTPUT (flags win), --no-attestations,
 * and -f/-o/--json on every command that writes a report.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { REPO_ROOT } from "../../test/support/trees.js";
import type { ScanResult } from "../policy/result.js";

const MAIN = path.join(REPO_ROOT, "src/cli/main.ts");
const TSX = import.meta.resolve("tsx");
const work = mkdtempSync(path.join(tmpdir(), "amigate-flags-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** The real CLI in `cwd` (default: a folder with no ignore file), without AMIGATE_* from outside. */
function cli(args: string[], env: Record<string, string> = {}, cwd = work) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AMIGATE_")));
  const r = spawnSync(process.execPath, ["--import", TSX, MAIN, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...clean, FORCE_COLOR: "0", NO_COLOR: "1", AMIGATE_DB: path.join(work, "none.db"), ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A Debian-like tree with a critical finding (root's blank password) and a high one (no sshd). */
const tree = path.join(work, "tree");
for (const [p, text] of Object.entries({
  "etc/os-release": 'ID=debian\nVERSION_ID="12"\n',
  "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
  "etc/shadow": "root::19000:0:99999:7:::\n",
})) {
  mkdirSync(path.dirname(path.join(tree, p)), { recursive: true });
  writeFileSync(path.join(tree, p), text);
}
const scan = (...args: string[]) => ["scan", tree, "--as-of", "2026-03-01", ...args];
const json = (stdout: string) => JSON.parse(stdout) as ScanResult;

describe("--severity", () => {
  it("reports only the severities named; --fail-on judges what is reported", () => {
    const all = json(cli(scan("-f", "json")).stdout);
    assert.deepEqual(
      all.findings.map((f) => [f.rule, f.severity]),
      [
        ["root-password-blank", "critical"],
        ["sshd-not-enabled", "high"],
      ],
    );
    const r = cli(scan("-f", "json", "--severity", "HIGH,low"));
    assert.equal(r.status, 1, r.stderr);
    const high = json(r.stdout);
    assert.deepEqual(high.severityFilter, ["high", "low"]);
    assert.deepEqual(
      high.findings.map((f) => f.rule),
      ["sshd-not-enabled"],
    );
    assert.deepEqual(high.summary, { critical: 0, high: 1, medium: 0, low: 0, info: 0 });
    const none = cli(scan("-f", "json", "--severity", "low,info"));
    assert.equal(none.status, 0, none.stderr);
    assert.equal(json(none.stdout).passed, true);
    const bad = cli(scan("--severity", "HIGH,urgent"));
    assert.equal(bad.status, 2);
    assert.equal(
      bad.stderr,
      'amigate: --severity: "urgent" is not one of critical, high, medium, low, info\n',
    );
  });
});

describe("AMIGATE_FORMAT, AMIGATE_FAIL_ON, AMIGATE_OUTPUT", () => {
  it("set the defaults; flags win", () => {
    const fromEnv = cli(scan(), { AMIGATE_FORMAT: "json" });
    assert.equal(json(fromEnv.stdout).schemaVersion, 1);
    assert.match(cli(scan("-f", "text"), { AMIGATE_FORMAT: "json" }).stdout, /^amigate \S+ scan report\n/);
    assert.equal(cli(scan(), { AMIGATE_FAIL_ON: "info" }).status, 1);
    // The flag beats the environment.
    const flagWins = cli(scan("-f", "json", "--fail-on", "critical"), { AMIGATE_FAIL_ON: "info" });
    assert.equal(json(flagWins.stdout).failOn, "critical");
    const out = path.join(work, "env-report.sarif");
    const written = cli(scan(), { AMIGATE_FORMAT: "sarif", AMIGATE_OUTPUT: out });
    assert.equal(written.stdout, "");
    assert.equal((JSON.parse(readFileSync(out, "utf8")) as { version: string }).version, "2.1.0");
    const bad = cli(scan(), { AMIGATE_FORMAT: "yaml" });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /AMIGATE_FORMAT/);
  });
});

describe("the ignore file", () => {
  const dir = path.join(work, "with-ignore");
  mkdirSync(dir, { recursive: true });
  const write = (name: string, text: string) => writeFileSync(path.join(dir, name), text);

  it("an unknown rule id is an error naming the file and line", () => {
    write(
      ".amigateignore.yaml",
      "- rule: root-password-blank\n  reason: r\n- rule: root-password-blnk\n  reason: typo\n",
    );
    const r = cli(scan(), {}, dir);
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr,
      'amigate: .amigateignore.yaml:3: unknown rule id "root-password-blnk" (amigate policy lists the rules)\n',
    );
  });

  it("an entry applies through its expiry date; after it the finding counts again, with a warning (not with -q)", () => {
    write(
      ".amigateignore.yaml",
      "- rule: root-password-blank\n  reason: accepted until the rebuild\n  expires: 2026-03-01\n",
    );
    const before = cli(scan("-f", "json", "--fail-on", "critical"), {}, dir);
    assert.equal(before.status, 0, before.stderr);
    assert.deepEqual(
      json(before.stdout).ignored.map((f) => f.rule),
      ["root-password-blank"],
    );
    assert.equal(before.stderr, "");
    const afterExpiry = ["scan", tree, "--as-of", "2026-03-02", "-f", "json", "--fail-on", "critical"];
    const after = cli(afterExpiry, {}, dir);
    assert.equal(after.status, 1);
    assert.equal(
      after.stderr,
      "amigate: warning: .amigateignore.yaml:1: the entry for root-password-blank expired on 2026-03-01; its findings count again\n",
    );
    const quiet = cli([...afterExpiry, "-q"], {}, dir);
    assert.equal(quiet.status, 1);
    assert.equal(quiet.stderr, "");
  });

  it(".amigateignore is read when there is no .amigateignore.yaml", () => {
    rmSync(path.join(dir, ".amigateignore.yaml"));
    write(".amigateignore", "- rule: root-password-blank\n  reason: plain name\n");
    assert.deepEqual(
      json(cli(scan("-f", "json"), {}, dir).stdout).ignored.map((f) => f.ignoreReason),
      ["plain name"],
    );
  });
});

describe("--no-attestations", () => {
  it("leaves the attestation list out of the text report and says so", () => {
    const full = cli(scan()).stdout;
    assert.match(full, /Needs your statement \(\d+\)/);
    const short = cli(scan("--no-attestations")).stdout;
    assert.doesNotMatch(short, /Needs your statement|attest-no-seller-access/);
    assert.match(short, /\d+ attestation items not listed \(--no-attestations\)/);
    assert.match(short, /Judged from listing\/registration/);
    assert.ok(short.length < full.length);
  });
});

describe("-f/-o on every command that writes a report; --json an alias of -f json", () => {
  it("policy, inspect, db status", () => {
    const policy = cli(["policy", "--json"]);
    assert.equal(policy.status, 0, policy.stderr);
    assert.equal(cli(["policy", "-f", "json"]).stdout, policy.stdout);
    const out = path.join(work, "policy.json");
    assert.equal(cli(["policy", "-f", "json", "-o", out]).stdout, "");
    assert.equal(readFileSync(out, "utf8"), policy.stdout);
    assert.equal(cli(["policy", "--json", "-f", "text"]).status, 2);
    const inspect = cli(["inspect", tree, "--json"]);
    assert.equal(cli(["inspect", tree, "-f", "json"]).stdout, inspect.stdout);
    assert.equal((JSON.parse(inspect.stdout) as { kind: string }).kind, "directory");
    const noDb = cli(["db", "status", "-f", "json"]);
    assert.equal(noDb.status, 2);
    assert.match(noDb.stderr, /no vulnerability database here yet/);
  });
});
