import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GOOD_REGISTRATION, listingOf, scanFinding } from "../../../test/support/listing-tester.js";
import { ATTESTATIONS, reportStatements } from "../coverage.js";
import type { AttestationAnswer, ScanResult } from "../result.js";
import { AttestationFormatError, parseAnswersFile, parseGivenAnswers } from "./attestations.js";
import { judgeStatements } from "./judge.js";
import { buildSubmission } from "./submission.js";

const AT = "2026-03-01T00:00:00.000Z";
const allYes = new Map<string, AttestationAnswer>(
  ATTESTATIONS.map((a) => [a.id, { answer: "yes", by: "alice", at: AT }]),
);

function report(over: Partial<ScanResult> = {}): ScanResult {
  return {
    schemaVersion: 1,
    tool: { name: "amigate", version: "0" },
    target: { input: "x", kind: "directory", description: "x", notes: [] },
    scannedAt: AT,
    roots: [],
    failOn: "high",
    passed: true,
    summary: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
    findings: [],
    ignored: [],
    ...reportStatements(),
    unknowns: [],
    checks: { vulnerabilities: { state: "checked", reasons: [] } },
    notes: [],
    rules: [],
    ...over,
  };
}

describe("statements judged", () => {
  it("says listing-not-provided and attributes-not-provided when nothing was stated", () => {
    const j = judgeStatements({}, { findings: [] });
    assert.equal(j.metadataChecks.length, 14);
    assert.ok(j.metadataChecks.every((m) => m.status.endsWith("-not-provided") && !m.findings));
    assert.equal(j.metadataChecks.filter((m) => m.status === "listing-not-provided").length, 9);
    assert.ok(j.attestations.every((a) => a.status === "needs-statement" && !a.answer));
  });

  it("judges a listing, a registration and answers", () => {
    const j = judgeStatements(
      {
        listing: listingOf({ usageInstructions: "" }),
        registration: { ...GOOD_REGISTRATION, region: "eu-west-1" },
        answers: new Map([["attest-no-seller-access", { answer: "yes", by: "alice", at: AT }]]),
      },
      { findings: [] },
    );
    const status = Object.fromEntries(j.metadataChecks.map((m) => [m.id, m.status]));
    assert.equal(status["meta-usage-instructions"], "failed");
    assert.equal(status["meta-listing-fields"], "passed");
    assert.equal(status["meta-source-region"], "failed");
    assert.equal(status["meta-hvm"], "passed");
    const usage = j.metadataChecks.find((m) => m.id === "meta-usage-instructions")!;
    assert.deepEqual(
      usage.findings!.map((f) => [f.rule, f.root, f.messageId, f.clauses]),
      [["meta-usage-instructions", "listing", "missing", ["DOC-1"]]],
    );
    const answered = j.attestations.filter((a) => a.status === "answered");
    assert.deepEqual(
      answered.map((a) => [a.id, a.answer?.answer, a.answer?.by]),
      [["attest-no-seller-access", "yes", "alice"]],
    );
  });
});

describe("submission record", () => {
  it("is ready when the scan passed, the listing passed and every statement is yes", () => {
    const r = buildSubmission({
      imageId: "ami-0123456789abcdef0",
      scan: { status: "done", report: report() },
      statements: { listing: listingOf(), registration: GOOD_REGISTRATION, answers: allYes },
      now: new Date(AT),
    });
    assert.deepEqual([r.ready, r.verdict, r.reasons, r.notes], [true, "ready to submit", [], []]);
    assert.equal(r.scan.state, "passed");
  });

  it("names every reason it is not ready", () => {
    const answers = new Map(allYes);
    answers.delete("attest-tested-before-release");
    answers.set("attest-no-seller-access", { answer: "no", comment: "support VPN", by: "alice", at: AT });
    const failing = scanFinding("ssh-password-auth", { severity: "high" });
    const r = buildSubmission({
      imageId: "ami-0123456789abcdef0",
      scan: {
        status: "done",
        report: report({
          findings: [failing],
          passed: false,
          checks: { vulnerabilities: { state: "skipped", reasons: ["no database"] } },
        }),
      },
      statements: { listing: listingOf({ description: "A 14-day trial." }), answers },
    });
    assert.equal(r.ready, false);
    assert.equal(r.verdict, "not ready to submit: 5 reasons");
    assert.deepEqual(r.reasons, [
      "the scan has 1 finding(s) at or above high: ssh-password-auth",
      "the scan's vulnerability checks were skipped: no database",
      'meta-no-trial-wording (USE-1): description says "14-day trial"',
      "1 statement(s) not answered (amigate attest): attest-tested-before-release",
      "attest-no-seller-access (ACC-4) is answered no: support VPN",
    ]);
    assert.equal(r.notes.length, 5, "registration checks are notes until registered");
    assert.equal(r.scan.state, "failed");
  });

  it("without a scan or a listing says so", () => {
    const r = buildSubmission({ imageId: "ami-01234567", scan: { status: "none" }, statements: {} });
    assert.deepEqual(r.reasons.slice(0, 2), [
      "the image has not been scanned",
      "no listing was provided (amigate listing init)",
    ]);
    assert.equal(r.listing, null);
  });
});

describe("attestation answers", () => {
  it("reads a list or a mapping; yes/no booleans from YAML 1.1 are taken as meant", () => {
    assert.deepEqual(parseGivenAnswers({ "attest-no-payment-information": true }), [
      { id: "attest-no-payment-information", answer: "yes" },
    ]);
    assert.deepEqual(
      parseGivenAnswers([
        { id: "attest-admin-password-prompt", answer: "N/A", comment: "no admin password in the product" },
      ]),
      [
        {
          id: "attest-admin-password-prompt",
          answer: "not-applicable",
          comment: "no admin password in the product",
        },
      ],
    );
  });

  for (const [name, doc, message] of [
    ["an unknown item", { "attest-nope": "yes" }, /no such attestation item/],
    [
      "not-applicable where the statement applies to all",
      { "attest-no-payment-information": { answer: "n/a", comment: "x" } },
      /applies to every product/,
    ],
    ["no without a reason", { "attest-no-seller-access": "no" }, /say why in a comment/],
    ["an answer that is not one", { "attest-no-seller-access": "maybe" }, /yes, no or not-applicable/],
    [
      "an item twice",
      [
        { id: "attest-no-seller-access", answer: "yes" },
        { id: "attest-no-seller-access", answer: "yes" },
      ],
      /answered twice/,
    ],
  ] as const)
    it(`refuses ${name}`, () => {
      assert.throws(
        () => parseGivenAnswers(doc),
        (e: unknown) => e instanceof AttestationFormatError && message.test(e.message),
      );
    });

  it("keeps who and when from an answers file", () => {
    const m = parseAnswersFile({
      answers: [{ id: "attest-no-seller-access", answer: "yes", by: "bob", at: AT }],
    });
    assert.deepEqual(m.get("attest-no-seller-access"), { answer: "yes", by: "bob", at: AT });
  });
});
