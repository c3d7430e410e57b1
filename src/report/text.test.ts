import assert from "node:assert/strict";
import { test } from "node:test";
import { SAMPLE_SECRET, sampleScanResult } from "../../test/support/scan-result.js";
import { renderText } from "./text.js";

const ANSI = /\x1b\[/;

/** Index of each needle in order; fails when one is missing or out of order. */
function assertInOrder(text: string, needles: string[]): void {
  let from = 0;
  for (const needle of needles) {
    const at = text.indexOf(needle, from);
    assert.ok(at >= 0, `"${needle}" missing after offset ${from}`);
    from = at + needle.length;
  }
}

test("header names the target, each root's OS, the verdict and counts by severity", () => {
  const text = renderText(sampleScanResult(), { color: false });
  assertInOrder(text, [
    "Target    ./rootfs (directory)",
    "OS        /  Debian GNU/Linux 12 (bookworm)",
    "Verdict   FAIL  3 findings at or above high (--fail-on high)",
    "Findings  6: CRITICAL 2, HIGH 1, MEDIUM 2, LOW 0, INFO 1",
    "ignored 1, needs your statement 11, judged from listing/registration 14, unreadable 1",
  ]);
  const passing = renderText(sampleScanResult({ passed: true, failOn: "critical", findings: [] }), {
    color: false,
  });
  assert.match(passing, /Verdict {3}PASS {2}no finding at or above critical/);
  assert.match(passing, /No findings\./);
});

test("sections come in order: severities critical→info, ignored, statements, listing, unknowns", () => {
  const text = renderText(sampleScanResult(), { color: false });
  assertInOrder(text, [
    "CRITICAL (2)",
    "CRITICAL  aws-credentials-file  AWS credentials are stored in the image  [SEC-4, SEC-5]",
    "  • /root/.aws/credentials:3",
    "CRITICAL  root-empty-password",
    "HIGH (1)",
    "HIGH  ssh-password-auth",
    "MEDIUM (2)",
    "MEDIUM  shell-history-present",
    "  • /root/.bash_history",
    "  • /home/admin/.bash_history",
    "Remediation: Delete shell histories before bundling.",
    "Fixable with `amigate fix --only remove-shell-history`",
    "INFO (1)",
    "  • (image-wide)",
    "Ignored (1)",
    "LOW  ssh-host-keys-present",
    "ignored: regenerated at first boot by our own unit",
    "Needs your statement (11)",
    "attest-admin-password-prompt  [ACC-3]",
    "Judged from listing/registration (14)",
    "meta-hvm  [ARC-2] from the registered image attributes",
    "Unknowns (1): files that could not be read",
    "/var/log/secure  (history)",
  ]);
  // LOW has no active finding, so it has no section of its own; a rule's fix line appears only when fixable.
  assert.doesNotMatch(text, /^LOW \(/m);
  assert.doesNotMatch(text, /fix --only undefined/);
  assert.equal((text.match(/amigate fix --only/g) ?? []).length, 4);
});

test("no ANSI without color; severity and verdict coloured with it", () => {
  const plain = renderText(sampleScanResult(), { color: false });
  assert.doesNotMatch(plain, ANSI);
  const coloured = renderText(sampleScanResult(), { color: true });
  assert.ok(coloured.includes("\x1b[1;31mFAIL\x1b[0m"));
  assert.ok(coloured.includes("\x1b[1;31mCRITICAL\x1b[0m"));
  assert.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ""), plain);
});

test("prose wraps at 100 columns", () => {
  const text = renderText(sampleScanResult(), { color: false });
  const long = text.split("\n").filter((l) => [...l].length > 100);
  assert.deepEqual(long, []);
});

test("secrets stay masked and control characters from the image cannot reach the terminal", () => {
  const result = sampleScanResult();
  result.findings[0]!.path = "/root/\x1b[2J.aws\u202e/credentials";
  const text = renderText(result, { color: false });
  assert.ok(!text.includes(SAMPLE_SECRET));
  assert.ok(text.includes("wJal************ (40 chars)"));
  assert.doesNotMatch(text, ANSI);
  assert.ok(text.includes("/root/\\x1b[2J.aws\\u202e/credentials:3"));
});

test("unknowns are never hidden, and an empty list says so", () => {
  const none = renderText(sampleScanResult({ unknowns: [] }), { color: false });
  assert.match(none, /Unknowns \(0\)[\s\S]*None: every file the rules asked for was read\./);
});

test("multi-root targets say which root each finding is in", () => {
  const result = sampleScanResult({
    roots: [
      { root: "/dev/sda1", os: { prettyName: "Debian GNU/Linux 12 (bookworm)" } },
      { root: "/dev/sda2", os: {} },
    ],
  });
  for (const f of result.findings) f.root = "/dev/sda1";
  result.findings[1]!.root = "/dev/sda2";
  const text = renderText(result, { color: false });
  assertInOrder(text, [
    "OS        /dev/sda1  Debian GNU/Linux 12 (bookworm)",
    "          /dev/sda2  unknown OS",
  ]);
  assert.ok(text.includes("  • [/dev/sda2] /etc/shadow:1"));
  assert.ok(text.includes("  • [/dev/sda1] /root/.aws/credentials:3"));
});
