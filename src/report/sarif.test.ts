import assert from "node:assert/strict";
import { test } from "node:test";
import type * as Sarif from "sarif";
import { githubCodeScanningProblems } from "../../test/support/github-code-scanning.js";
import { sarifValidator } from "../../test/support/sarif-schema.js";
import { SAMPLE_SECRET, sampleScanResult } from "../../test/support/scan-result.js";
import {
  encodeImagePath,
  FINGERPRINT_KEY,
  IMAGE_ROOT,
  renderSarif,
  sarifMessageString,
  TARGET_DIR,
  targetUri,
} from "./sarif.js";

const validate = sarifValidator();

function render(result = sampleScanResult()): Sarif.Log {
  return JSON.parse(renderSarif(result)) as Sarif.Log;
}

test("the SARIF log validates against the SARIF 2.1.0 schema", () => {
  const log = render();
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
  const empty = render(sampleScanResult({ findings: [], ignored: [], unknowns: [], rules: [] }));
  assert.ok(validate(empty), JSON.stringify(validate.errors, null, 2));
});

test("the validator rejects what SARIF forbids (so the test above could fail)", () => {
  const log = render();
  (log.runs[0]!.results![0] as { level: string }).level = "critical";
  assert.equal(validate(log), false);
  const noDriver = render();
  delete (noDriver.runs[0]!.tool as { driver?: unknown }).driver;
  assert.equal(validate(noDriver), false);
});

test("one run; the driver lists every rule with clauses as tags, severity and help", () => {
  const log = render();
  assert.equal(log.version, "2.1.0");
  assert.equal(log.runs.length, 1);
  const driver = log.runs[0]!.tool.driver;
  assert.equal(driver.name, "amigate");
  assert.equal(driver.version, "0.1.0");
  assert.match(driver.informationUri!, /^https:\/\//);
  const ids = driver.rules!.map((r) => r.id);
  assert.deepEqual(
    ids,
    sampleScanResult().rules.map((r) => r.id),
  );
  const ssh = driver.rules!.find((r) => r.id === "ssh-password-auth")!;
  assert.equal(ssh.name, "SSH accepts passwords");
  assert.equal(ssh.shortDescription!.text, "SSH accepts passwords");
  assert.equal(ssh.fullDescription!.text, "The effective sshd configuration allows password authentication.");
  assert.match(ssh.help!.text, /^Set PasswordAuthentication no .*amigate fix --only sshd-password-auth/);
  assert.deepEqual(ssh.properties!.tags, ["SEC-7", "SEC-3", "security"]);
  assert.equal(ssh.properties!["security-severity"], "8.0");
  assert.equal(ssh.defaultConfiguration!.level, "error");
});

test("results: level by severity, image-relative locations, lines when known, ruleIndex", () => {
  const log = render();
  const run = log.runs[0]!;
  const levels = run.results!.map((r) => [r.ruleId, r.level]);
  assert.deepEqual(levels, [
    ["aws-credentials-file", "error"],
    ["root-empty-password", "error"],
    ["ssh-password-auth", "error"],
    ["shell-history-present", "warning"],
    ["shell-history-present", "warning"],
    ["telemetry-agent", "note"],
    ["ssh-host-keys-present", "note"],
  ]);
  for (const r of run.results!) assert.equal(run.tool.driver.rules![r.ruleIndex!]!.id, r.ruleId);
  const shadow = run.results![1]!.locations![0]!.physicalLocation!;
  assert.deepEqual(shadow.artifactLocation, { uri: "etc/shadow", uriBaseId: IMAGE_ROOT });
  assert.deepEqual(shadow.region, { startLine: 1 });
  // A whole-file finding is at line 1: GitHub needs a line.
  assert.deepEqual(run.results![3]!.locations![0]!.physicalLocation!.region, { startLine: 1 });
  // A finding without a file points at the target, and names the root as a logical location.
  assert.equal(run.results![5]!.ruleId, "telemetry-agent");
  assert.deepEqual(run.results![5]!.locations![0], {
    physicalLocation: {
      artifactLocation: { uri: "rootfs", uriBaseId: TARGET_DIR },
      region: { startLine: 1 },
    },
    logicalLocations: [{ fullyQualifiedName: "/", kind: "module" }],
  });
  assert.ok(run.originalUriBaseIds![TARGET_DIR]!.description!.text);
  assert.equal(encodeImagePath("/opt/my app/#1"), "opt/my%20app/%231");
});

test("the fallback artifact: the target as given inside the working directory, else its file name", () => {
  assert.equal(targetUri("./rootfs"), "rootfs");
  assert.equal(targetUri("build/images/web 1.vmdk"), "build/images/web%201.vmdk");
  assert.equal(targetUri("/var/tmp/disk.raw"), "disk.raw");
  assert.equal(targetUri("../elsewhere/disk.qcow2"), "disk.qcow2");
  assert.equal(targetUri("C:\\images\\disk.vhdx"), "disk.vhdx");
  assert.equal(targetUri("."), "image");
  assert.equal(targetUri("/"), "image");
  assert.equal(targetUri(".."), "image");
});

test("GitHub code scanning's requirements: every result has a rule, a text, a fingerprint, a file and a line", () => {
  const log = render();
  assert.deepEqual(githubCodeScanningProblems(log), []);
  // What GitHub would drop or refuse, so the check above could fail.
  const broken = render();
  const [first, second, third] = broken.runs[0]!.results! as [Sarif.Result, Sarif.Result, Sarif.Result];
  first.locations = [{ logicalLocations: [{ fullyQualifiedName: "/", kind: "module" }] }];
  delete second.locations![0]!.physicalLocation!.region;
  delete (third.message as { text?: string }).text;
  delete third.partialFingerprints;
  assert.deepEqual(githubCodeScanningProblems(broken), [
    "/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri: required",
    "/runs/0/results/0/locations/0/physicalLocation/region/startLine: required, 1 or more",
    "/runs/0/results/1/locations/0/physicalLocation/region/startLine: required, 1 or more",
    "/runs/0/results/2/message/text: required (GitHub shows the text; it does not fill message strings)",
    "/runs/0/results/2/partialFingerprints: required",
  ]);
  // Multi-root and ignored findings keep their locations too.
  const multi = sampleScanResult();
  multi.roots.push({ root: "/dev/vg0/data", os: {} });
  for (const f of multi.findings.slice(0, 2)) f.root = "/dev/vg0/data";
  const logMulti = render(multi);
  assert.deepEqual(githubCodeScanningProblems(logMulti), []);
  assert.ok(validate(logMulti), JSON.stringify(validate.errors, null, 2));
});

test("ignored findings carry an external suppression with the reason", () => {
  const run = render().runs[0]!;
  const suppressed = run.results!.filter((r) => r.suppressions);
  assert.equal(suppressed.length, 1);
  assert.deepEqual(suppressed[0]!.suppressions, [
    { kind: "external", status: "accepted", justification: "regenerated at first boot by our own unit" },
  ]);
});

test("fingerprints are stable across runs and distinct per finding", () => {
  const a = render().runs[0]!.results!.map((r) => r.partialFingerprints![FINGERPRINT_KEY]);
  const later = sampleScanResult({ scannedAt: "2027-01-01T00:00:00.000Z" });
  later.findings[2]!.line = 40; // a line moved: still the same finding
  const b = render(later).runs[0]!.results!.map((r) => r.partialFingerprints![FINGERPRINT_KEY]);
  assert.deepEqual(a, b);
  assert.equal(new Set(a).size, a.length);
  assert.ok(a.every((h) => /^[0-9a-f]{32}$/.test(h!)));
});

test("unknowns become tool notifications; attestations and metadata checks are run properties", () => {
  const run = render().runs[0]!;
  const inv = run.invocations![0]!;
  assert.equal(inv.executionSuccessful, true);
  assert.equal(inv.toolExecutionNotifications!.length, 1);
  assert.match(
    inv.toolExecutionNotifications![0]!.message.text!,
    /could not read \/var\/log\/secure: EACCES/,
  );
  const props = run.properties as Record<string, unknown[]>;
  assert.equal(props.attestations!.length, 11);
  assert.equal(props.metadataChecks!.length, 14);
  assert.equal((props as unknown as { passed: boolean }).passed, false);
});

test("secrets stay masked", () => {
  const text = renderSarif(sampleScanResult());
  assert.ok(!text.includes(SAMPLE_SECRET));
  assert.ok(text.includes("wJal************ (40 chars)"));
});

test("each rule's messages are messageStrings with positional placeholders; results name theirs with arguments and keep the text", () => {
  const log = render();
  const rules = log.runs[0]!.tool.driver.rules!;
  const aws = rules.find((r) => r.id === "aws-credentials-file")!;
  assert.deepEqual(aws.messageStrings, { keySet: { text: "{0} is set in the {1} profile" } });
  const history = rules.find((r) => r.id === "shell-history-present")!;
  assert.deepEqual(history.messageStrings, {
    history: { text: "history of {0}" },
    historyLines: { text: "history of {0} ({1} lines)" },
  });
  const results = log.runs[0]!.results!;
  assert.deepEqual(results[0]!.message, {
    id: "keySet",
    arguments: ["aws_secret_access_key", "default"],
    text: `aws_secret_access_key is set in the default profile (evidence: ${results[0]!.properties!.evidence})`,
  });
  const lines = results.find((r) => r.message.id === "historyLines")!;
  assert.deepEqual(
    [lines.message.arguments, lines.message.text],
    [["root", "12"], "history of root (12 lines)"],
  );
  // The text is what a viewer shows when it does not look the id up: the same sentence.
  for (const r of results) {
    const rule = rules[r.ruleIndex!]!;
    const template = rule.messageStrings![r.message.id!]!.text;
    const filled = template.replace(/\{(\d+)\}/g, (_, i: string) => r.message.arguments?.[Number(i)] ?? "");
    assert.ok(r.message.text!.startsWith(filled), `${r.message.text} renders ${template}`);
  }
});

test("message strings: placeholders by first appearance, repeated ones reuse their position, literal braces doubled", () => {
  assert.equal(sarifMessageString("{{a}} then {{ b }}, {{a}} again"), "{0} then {1}, {0} again");
  assert.equal(sarifMessageString("set {x} to {{value}}"), "set {{x}} to {0}");
  assert.equal(sarifMessageString("no placeholder"), "no placeholder");
});

test("a finding whose rule has no template for it (a hand-made or older record) keeps the text alone", () => {
  const result = sampleScanResult();
  result.rules = result.rules.map((r) => ({ ...r, messages: {} }));
  const log = render(result);
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
  assert.deepEqual(log.runs[0]!.results![2]!.message, {
    text: "PasswordAuthentication is yes (evidence: PasswordAuthentication yes)",
  });
});
