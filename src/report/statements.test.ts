/** Every writer shows the statement clauses judged: answers, check statuses and their findings. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GOOD_REGISTRATION, listingOf } from "../../test/support/listing-tester.js";
import { sampleScanResult } from "../../test/support/scan-result.js";
import { withStatements } from "../policy/listing/judge.js";
import { buildSubmission } from "../policy/listing/submission.js";
import { renderHtml } from "./html.js";
import { renderJunit } from "./junit.js";
import { renderSubmissionHtml, renderSubmissionJson } from "./submission.js";
import { renderText } from "./text.js";

const AT = "2026-03-01T10:00:00.000Z";
const judged = () =>
  withStatements(sampleScanResult(), {
    listing: listingOf({ usageInstructions: "" }),
    registration: { ...GOOD_REGISTRATION, virtualizationType: "paravirtual" },
    answers: new Map([
      [
        "attest-no-seller-access",
        { answer: "no" as const, comment: "support VPN <on>", by: "111122223333", at: AT },
      ],
      ["attest-no-payment-information", { answer: "yes" as const, by: "111122223333", at: AT }],
    ]),
  });

describe("statements in the reports", () => {
  it("text: each check's status and findings, each answer", () => {
    const text = renderText(judged(), { color: false });
    assert.match(text, /Publisher statements \(11\): 2 answered/);
    assert.match(
      text,
      /meta-usage-instructions {2}\[DOC-1\] from the listing {2}FAILED\n.*\n {6}• HIGH usageInstructions is empty/,
    );
    assert.match(text, /meta-hvm {2}\[ARC-2\] from the registered image attributes {2}FAILED/);
    assert.match(text, /meta-listing-fields {2}\[PUB-1\] from the listing {2}passed/);
    assert.match(text, /answered no by 111122223333 on 2026-03-01: support VPN <on>/);
    assert.match(text, /attest-tested-before-release {2}\[SHR-5\]\n.*\n {6}needs your statement/);
  });

  it("text without statements says what was not provided", () => {
    const text = renderText(sampleScanResult(), { color: false });
    assert.match(text, /meta-usage-instructions {2}\[DOC-1\] from the listing {2}listing not provided/);
    assert.match(
      text,
      /meta-hvm {2}\[ARC-2\] from the registered image attributes {2}attributes not provided/,
    );
  });

  it("HTML: escaped, no script", () => {
    const html = renderHtml(judged());
    assert.ok(html.includes("support VPN &lt;on&gt;"));
    assert.ok(html.includes('<span class="high">FAILED</span>'));
    assert.doesNotMatch(html, /<script/i);
  });

  it("JUnit: statements never fail the XML (the scan's exit code does not count them); no, failed, unanswered and not provided are skipped", () => {
    const xml = renderJunit(judged());
    const suite =
      /<testsuite name="amigate: needs your statement[^"]*" id="\d+" tests="(\d+)" failures="(\d+)" errors="0" skipped="(\d+)"/.exec(
        xml,
      );
    assert.ok(suite, xml.slice(0, 400));
    // 11 items + 14 checks + 1 note; no failures; skipped: 9 unanswered, 1 answer of no, 2 failed
    // checks (usage, hvm), the note.
    assert.deepEqual(suite.slice(1).map(Number), [26, 0, 13]);
    assert.match(xml, /<skipped message="failed: [^"]*not part of the scan&apos;s verdict"/);
  });
});

describe("the submission record's writers", () => {
  const record = buildSubmission({
    imageId: "ami-0123456789abcdef0",
    scan: { status: "done", report: sampleScanResult() },
    statements: { listing: listingOf({ description: "<b>bold</b> claims" }) },
    now: new Date(AT),
  });

  it("JSON is the record", () => {
    assert.deepEqual(JSON.parse(renderSubmissionJson(record)), JSON.parse(JSON.stringify(record)));
  });

  it("HTML leads with the verdict and every reason, escaped, self-contained", () => {
    const html = renderSubmissionHtml(record);
    assert.match(html, /NOT READY<\/span> not ready to submit: \d+ reasons/);
    for (const r of record.reasons)
      assert.ok(
        html.includes(
          r
            .replace(/&/g, "&amp;")
            .replace(/</g, "&lt;")
            .replace(/>/g, "&gt;")
            .replace(/"/g, "&quot;")
            .replace(/'/g, "&#39;"),
        ),
        r,
      );
    assert.ok(html.includes("&lt;b&gt;bold&lt;/b&gt; claims"));
    assert.match(html, /default-src 'none'/);
    assert.doesNotMatch(html, /<script|src=|href="http/i);
  });
});
