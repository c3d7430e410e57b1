import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { REPO_ROOT } from "../../test/support/trees.js";
import type { FactName } from "../inspect/facts.js";
import type { ScanResult } from "../policy/result.js";
import { defineRule, type Rule } from "../policy/rule.js";
import { rules as allRules } from "../policy/rules/index.js";
import { isSeverity, SEVERITIES, type Severity } from "../policy/severity.js";
import { contentThreadOf, contentThreadsOf, runScan, type ScanFlags, type ScanIO } from "./scan.js";

const MAIN = path.join(REPO_ROOT, "src/cli/main.ts");
const TSX = import.meta.resolve("tsx");
const work = mkdtempSync(path.join(tmpdir(), "amigate-cli-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** A directory target made of the given files (image-absolute paths). */
function tree(name: string, files: Record<string, string>): string {
  const root = path.join(work, name);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    writeFileSync(path.join(root, p), text);
  }
  mkdirSync(root, { recursive: true });
  return root;
}

/** Runs the real CLI in a child process, from a directory with no .amigateignore.yaml. */
function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", TSX, MAIN, ...args], {
    cwd: work,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "" },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One-line error, no stack trace. */
function assertUsageError(r: ReturnType<typeof cli>, pattern: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

const debianLike = {
  "/etc/os-release": 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
  "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
  "/etc/shadow": "root::19000:0:99999:7:::\n",
};

test("exit 2: missing target, bad --format, bad --fail-on", () => {
  assertUsageError(
    cli("scan", path.join(work, "does-not-exist")),
    /^amigate: .*does-not-exist: no such file or directory\n$/,
  );
  const dir = tree("empty", {});
  assertUsageError(cli("scan", dir, "--format", "yaml"), /argument 'yaml' is invalid/);
  assertUsageError(cli("scan", dir, "--fail-on", "severe"), /argument 'severe' is invalid/);
  assertUsageError(cli("scan"), /missing required argument 'target'/);
});

test("exit 2: unreadable ignore file, ignore entry without a reason, unwritable --output", () => {
  const dir = tree("ignore-cases", {});
  assertUsageError(cli("scan", dir, "--ignore-file", path.join(work, "nope.yaml")), /nope\.yaml: .*ENOENT/);
  const noReason = path.join(work, "no-reason.yaml");
  writeFileSync(noReason, "- rule: ssh-password-auth\n  path: /etc/ssh/sshd_config\n");
  assertUsageError(
    cli("scan", dir, "--ignore-file", noReason),
    /entry 1 \(ssh-password-auth\) has no reason/,
  );
  assertUsageError(
    cli("scan", dir, "--output", path.join(work, "no-dir", "r.json")),
    /cannot write report to .*r\.json/,
  );
});

test("the CLI's exit code and JSON report agree with the engine at each --fail-on", async () => {
  const dir = tree("debian-like", debianLike);
  for (const failOn of ["critical", "info"] as const) {
    const out = path.join(work, `report-${failOn}.json`);
    const r = cli("scan", dir, "--format", "json", "--fail-on", failOn, "--output", out);
    assert.equal(r.stdout, "");
    const written = JSON.parse(readFileSync(out, "utf8")) as ScanResult;
    let captured = "";
    const expected = await runScan(
      dir,
      { format: "json", failOn },
      io((t) => (captured = t), allRules),
    );
    const inProcess = JSON.parse(captured) as ScanResult;
    assert.equal(r.status, expected, r.stderr);
    assert.equal(written.passed, expected === 0);
    assert.equal(written.failOn, failOn);
    assert.deepEqual({ ...written, scannedAt: "" }, { ...inProcess, scannedAt: "" });
  }
});

test("each format reaches stdout in its own shape, without colours on a pipe", () => {
  const dir = tree("formats", debianLike);
  const text = cli("scan", dir, "--fail-on", "info");
  assert.match(text.stdout, /^amigate \S+ scan report\nTarget {4}/);
  assert.match(text.stdout, /Needs your statement \(\d+\)/);
  assert.doesNotMatch(text.stdout, /\x1b\[/);
  assert.ok([0, 1].includes(text.status!));
  const sarif = JSON.parse(cli("scan", dir, "-f", "sarif").stdout) as { version: string };
  assert.equal(sarif.version, "2.1.0");
  assert.match(
    cli("scan", dir, "-f", "junit").stdout,
    /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /,
  );
});

// In process, with a rule made for the test: each file /marker/<severity> is a finding of that severity.
const markerRule = defineRule({
  id: "test-marker",
  title: "Marker file",
  clauses: ["SEC-4"],
  severity: "info",
  description: "A file under /marker names the severity of the finding it stands for.",
  remediation: "Delete the marker.",
  messages: { marker: "marker" },
  facts: ["files"],
  check({ files }) {
    return [...files]
      .filter((e) => e.type === "file" && e.path.startsWith("/marker/") && isSeverity(path.basename(e.path)))
      .map((e) => ({ path: e.path, messageId: "marker", severity: path.basename(e.path) as Severity }));
  },
});

function io(
  write: (t: string) => void,
  rules: ReadonlyArray<Rule<FactName>> = [markerRule],
  tty = false,
  noColor = false,
): ScanIO {
  return { write, isTTY: tty, noColor, rules };
}

test("--fail-on: exit 1 exactly when a finding is at or above the threshold, for every severity", async () => {
  for (const [i, found] of SEVERITIES.entries()) {
    const dir = tree(`marker-${found}`, { [`/marker/${found}`]: "" });
    for (const [j, failOn] of SEVERITIES.entries()) {
      let report = "";
      const code = await runScan(
        dir,
        { format: "json", failOn },
        io((t) => (report = t)),
      );
      // SEVERITIES runs critical→info: a finding fails when it is at or before the threshold.
      assert.equal(code, i <= j ? 1 : 0, `finding ${found}, --fail-on ${failOn}`);
      const result = JSON.parse(report) as ScanResult;
      assert.equal(result.findings.length, 1);
      assert.equal(result.summary[found], 1);
    }
  }
  const clean = tree("marker-none", { "/etc/hostname": "x\n" });
  assert.equal(
    await runScan(
      clean,
      { format: "json", failOn: "info" },
      io(() => {}),
    ),
    0,
  );
});

test("an ignored finding does not fail the scan and shows with its reason", async () => {
  const dir = tree("marker-ignored", { "/marker/critical": "" });
  const ignoreFile = path.join(work, "accepted.yaml");
  writeFileSync(ignoreFile, "- rule: test-marker\n  path: /marker/*\n  reason: the test says so\n");
  let report = "";
  const flags: ScanFlags = { format: "text", failOn: "info", ignoreFile };
  assert.equal(
    await runScan(
      dir,
      flags,
      io((t) => (report = t)),
    ),
    0,
  );
  assert.match(report, /Ignored \(1\)[\s\S]*ignored: the test says so/);
});

test("--output writes the file and nothing to stdout; colours only on a TTY without NO_COLOR", async () => {
  const dir = tree("marker-output", { "/marker/high": "" });
  const out = path.join(work, "out.sarif");
  let stdout = "";
  assert.equal(
    await runScan(
      dir,
      { format: "sarif", failOn: "high", output: out },
      io((t) => (stdout += t), undefined, true),
    ),
    1,
  );
  assert.equal(stdout, "");
  assert.equal(
    (JSON.parse(readFileSync(out, "utf8")) as { runs: Array<{ results: unknown[] }> }).runs[0]!.results
      .length,
    1,
  );
  const render = async (tty: boolean, noColor: boolean) => {
    let t = "";
    await runScan(
      dir,
      { format: "text", failOn: "high" },
      io((s) => (t = s), undefined, tty, noColor),
    );
    return t;
  };
  assert.match(await render(true, false), /\x1b\[1;31mFAIL/);
  assert.doesNotMatch(await render(true, true), /\x1b\[/);
  assert.doesNotMatch(await render(false, false), /\x1b\[/);
});

test("the content threads: AMIGATE_CONTENT_THREAD(S) as given, else from the cores", () => {
  assert.equal(contentThreadOf("off"), "off");
  assert.equal(contentThreadOf("always"), "always");
  assert.equal(contentThreadOf(undefined), availableParallelism() > 1 ? "auto" : "off");
  assert.equal(contentThreadOf("sometimes"), contentThreadOf(undefined));
  assert.equal(contentThreadsOf("2"), 2);
  const cores = Math.min(4, Math.max(1, availableParallelism()));
  for (const bad of [undefined, "0", "-1", "two", "100"])
    assert.equal(contentThreadsOf(bad), cores, String(bad));
});

test("an OVA whose disk is none amigate can open (4 bytes of a VMDK magic) fails with scan-incomplete naming it, never passes for holding nothing", () => {
  const ova = tree("ova", {
    "/vm.ovf": '<?xml version="1.0"?><Envelope/>\n',
    "/vm-disk1.vmdk": "KDMV",
  });
  const file = path.join(work, "vm.ova");
  execFileSync("tar", ["-C", ova, "-cf", file, "vm.ovf", "vm-disk1.vmdk"]);
  const r = cli("scan", file, "--format", "json");
  assert.equal(r.status, 1, r.stderr);
  const result = JSON.parse(r.stdout) as ScanResult;
  assert.equal(result.passed, false);
  const incomplete = result.findings.filter((f) => f.rule === "scan-incomplete");
  assert.equal(incomplete.length, 1);
  assert.match(
    incomplete[0]!.message,
    /not read: the archive: no OS root at the archive's top .*vm-disk1\.vmdk, vm\.ovf/,
  );
});
