import assert from "node:assert/strict";
import { test } from "node:test";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { SAMPLE_SECRET, sampleScanResult } from "../../test/support/scan-result.js";
import { SEVERITIES } from "../policy/severity.js";
import { renderJunit, xmlEscape } from "./junit.js";

interface Case {
  "@_name": string;
  "@_classname": string;
  failure?: { "#text": string; "@_message": string; "@_type": string };
  skipped?: { "@_message": string };
  error?: { "#text": string; "@_message": string };
  "system-out"?: string;
}
interface Suite {
  "@_name": string;
  "@_tests": string;
  "@_failures": string;
  "@_errors": string;
  "@_skipped": string;
  testcase: Case[];
}

function parse(xml: string): { attrs: Record<string, string>; suites: Suite[] } {
  const valid = XMLValidator.validate(xml);
  assert.equal(valid, true, JSON.stringify(valid));
  const doc = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => name === "testsuite" || name === "testcase",
  }).parse(xml) as { testsuites: Record<string, string> & { testsuite: Suite[] } };
  const { testsuite, ...attrs } = doc.testsuites;
  return { attrs, suites: testsuite };
}

test("well-formed: one suite of rule cases, one of statements, one of unknowns, counts that add up", () => {
  const { attrs, suites } = parse(renderJunit(sampleScanResult()));
  assert.deepEqual(
    suites.map((s) => s["@_name"]),
    [
      "amigate rules: ./rootfs",
      "amigate: needs your statement, judged from listing/registration",
      "amigate: files that could not be read",
    ],
  );
  const [rules, statements, unknowns] = suites as [Suite, Suite, Suite];
  assert.equal(rules.testcase.length, 6);
  assert.equal(rules["@_tests"], "6");
  assert.equal(rules["@_failures"], "3"); // critical ×2 rules + high; medium/info are below --fail-on high
  assert.equal(rules["@_skipped"], "1");
  // 11 attestations + 14 metadata checks + 1 note (what was not checked)
  assert.equal(statements.testcase.length, 26);
  assert.ok(statements.testcase.every((c) => c.skipped !== undefined));
  // An unreadable file is listed as a skipped case, never an error: it does not decide the verdict.
  assert.equal(unknowns["@_errors"], "0");
  assert.equal(unknowns["@_skipped"], "1");
  assert.match(unknowns.testcase[0]!.skipped!["@_message"], /^could not read \/var\/log\/secure: EACCES/);
  assert.deepEqual(
    [attrs["@_tests"], attrs["@_failures"], attrs["@_errors"], attrs["@_skipped"]],
    ["33", "3", "0", "28"],
  );
});

test("a rule's case fails at or above --fail-on, lists findings below it, is skipped when all were ignored", () => {
  const { suites } = parse(renderJunit(sampleScanResult()));
  const byRule = new Map(suites[0]!.testcase.map((c) => [c["@_name"].split(":")[0], c]));
  const ssh = byRule.get("ssh-password-auth")!;
  assert.equal(ssh["@_name"], "ssh-password-auth: SSH accepts passwords [SEC-7, SEC-3]");
  assert.equal(ssh.failure!["@_message"], "1 finding at or above high");
  assert.equal(ssh.failure!["@_type"], "high");
  assert.match(
    ssh.failure!["#text"],
    /\[high\] \/etc\/ssh\/sshd_config\.d\/50-cloud-init\.conf:1: PasswordAuthentication is yes/,
  );
  assert.match(ssh.failure!["#text"], /Fixable with `amigate fix --only sshd-password-auth`/);
  const history = byRule.get("shell-history-present")!;
  assert.equal(history.failure, undefined);
  assert.match(history["system-out"]!, /\/home\/admin\/\.bash_history: history of admin <a&b> "x"/);
  assert.match(
    byRule.get("ssh-host-keys-present")!.skipped!["@_message"],
    /^ignored: regenerated at first boot/,
  );
  // Lower the threshold: the medium rule fails too.
  const strict = parse(renderJunit(sampleScanResult({ failOn: "medium" })));
  assert.equal(strict.suites[0]!["@_failures"], "4");
});

test("markup and characters XML cannot carry are escaped; secrets stay masked", () => {
  assert.equal(xmlEscape(`a<b>&"c'`), "a&lt;b&gt;&amp;&quot;c&apos;");
  assert.equal(xmlEscape("x\u0000y\u001bz\ud800"), "x\\x00y\\x1bz\\ud800");
  assert.equal(xmlEscape("tab\tok 😀"), "tab\tok 😀");
  const result = sampleScanResult();
  result.findings[0]!.path = "/root/]]></failure><x>\u0001";
  const xml = renderJunit(result);
  parse(xml);
  assert.ok(!xml.includes(SAMPLE_SECRET));
  assert.ok(xml.includes("wJal************ (40 chars)"));
});

/** failures + errors of the whole document. */
function redCount(xml: string): number {
  const { attrs } = parse(xml);
  return Number(attrs["@_failures"]) + Number(attrs["@_errors"]);
}

test("the XML agrees with the verdict: an unreadable file is no error when the scan passes", () => {
  // Only findings below --fail-on critical, and an unreadable file: exit 0, so nothing red.
  const result = sampleScanResult({ failOn: "critical" });
  result.findings = result.findings.filter((f) => f.severity !== "critical");
  result.passed = true;
  assert.equal(result.unknowns.length, 1);
  const xml = renderJunit(result);
  assert.equal(redCount(xml), 0);
  assert.doesNotMatch(xml, /<error|<failure/);
  assert.match(xml, /<skipped message="could not read \/var\/log\/secure: EACCES/);
});

test("attestation items never count as failures: an answer of no is a skipped case saying so", () => {
  const result = sampleScanResult({ findings: [], passed: true });
  const item = result.attestations[0]!;
  result.attestations[0] = {
    ...item,
    status: "answered",
    answer: {
      answer: "no",
      comment: "the vendor agent phones home",
      by: "alice",
      at: "2026-11-01T00:00:00Z",
    },
  };
  result.attestations[1] = {
    ...result.attestations[1]!,
    status: "answered",
    answer: { answer: "yes", by: "alice", at: "2026-11-01T00:00:00Z" },
  };
  const { attrs, suites } = parse(renderJunit(result));
  assert.equal(attrs["@_failures"], "0");
  const cases = new Map(suites[1]!.testcase.map((c) => [c["@_name"].split(" ")[0], c]));
  const no = cases.get(item.id)!;
  assert.equal(no.failure, undefined);
  assert.match(no.skipped!["@_message"], /not part of the scan's verdict/);
  const yes = cases.get(result.attestations[1]!.id)!;
  assert.equal(yes.skipped, undefined);
  assert.equal(yes.failure, undefined);
});

test("failures and errors exist exactly when the scan fails, whatever else the record holds", () => {
  const failedCheck = (r: ReturnType<typeof sampleScanResult>) => {
    r.metadataChecks[0] = {
      ...r.metadataChecks[0]!,
      status: "failed",
      findings: [{ ...r.findings[0]!, message: "the listing names no publisher URL" }],
    };
    return r;
  };
  for (const failOn of ["critical", "high", "medium", "low", "info"] as const) {
    for (const findings of ["all", "none"] as const) {
      const result = failedCheck(sampleScanResult({ failOn }));
      if (findings === "none") result.findings = [];
      result.passed = !result.findings.some(
        (f) => SEVERITIES.indexOf(f.severity) <= SEVERITIES.indexOf(failOn),
      );
      const red = redCount(renderJunit(result));
      assert.equal(red > 0, !result.passed, `--fail-on ${failOn}, ${findings} findings: ${red} red`);
    }
  }
});

test("a passing scan with no unknowns has no failures and no unknowns suite", () => {
  const result = sampleScanResult({ findings: [], unknowns: [], passed: true });
  const { attrs, suites } = parse(renderJunit(result));
  assert.equal(suites.length, 2);
  assert.equal(attrs["@_failures"], "0");
  assert.equal(attrs["@_errors"], "0");
});
