import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { SAMPLE_SECRET, sampleScanResult } from "../../test/support/scan-result.js";
import { htmlEscape, REPORT_CSP, REPORT_STYLE, renderHtml } from "./html.js";
import { clauseFamilyBars } from "./html-summary.js";

test("self-contained: no scripts, no external or relative assets, a CSP that forbids loading", () => {
  const html = renderHtml(sampleScanResult());
  assert.match(html, /^<!doctype html>/);
  // In-page links (href="#…") load nothing; any other href would.
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|\bsrc=|\bhref="(?!#)|url\(|@import/i);
  assert.match(html, /<a href="#rule-/);
  // A strict policy: nothing loads, no script, only the page's own style element by its hash.
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.equal(csp, REPORT_CSP);
  assert.match(csp!, /^default-src 'none'; /);
  assert.doesNotMatch(csp!, /unsafe-inline|unsafe-eval|script-src|\*/);
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
  assert.equal(style, REPORT_STYLE);
  const hash = createHash("sha256").update(style).digest("base64");
  assert.ok(csp!.includes(`style-src 'sha256-${hash}'`));
  // A hash-listed style element does not allow style attributes: the page must have none.
  assert.doesNotMatch(html, /\sstyle=/);
  assert.match(style, /@media print\{/);
});

test("the summary picture: inline SVG bars by severity and by clause family, with the record's counts", () => {
  const result = sampleScanResult();
  const html = renderHtml(result);
  const svgs = html.match(/<svg [\s\S]*?<\/svg>/g) ?? [];
  assert.equal(svgs.length, 2);
  const bars = (svg: string) =>
    Object.fromEntries(
      [...svg.matchAll(/<g data-key="([^"]+)" data-count="(\d+)">/g)].map((m) => [m[1], Number(m[2])]),
    );
  assert.deepEqual(bars(svgs[0]!), result.summary);
  // Sample findings: aws (SEC-4, SEC-5), root (LNX-2), ssh (SEC-7, SEC-3), two histories (SHR-1),
  // telemetry (CUS-1): SEC counts the two findings once each, not once per clause.
  assert.deepEqual(bars(svgs[1]!), { SEC: 2, SHR: 2, CUS: 1, LNX: 1 });
  assert.deepEqual(
    clauseFamilyBars(result).map((b) => b.label),
    ["SEC Security", "SHR Making an image safe to share", "CUS Customer information", "LNX Linux access"],
  );
  for (const svg of svgs) assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" role="img" /);
  // After the verdict, before the findings.
  assert.ok(
    html.indexOf('class="verdict') < html.indexOf("<svg") &&
      html.indexOf("<svg") < html.indexOf("<h2>Findings"),
  );
  const none = renderHtml(sampleScanResult({ findings: [] }));
  assert.equal((none.match(/<svg /g) ?? []).length, 1);
});

test("sections come in order and carry the record's content", () => {
  const html = renderHtml(sampleScanResult());
  const order = [
    "<h1>amigate 0.1.0 scan report</h1>",
    '<span class="verdict fail">FAIL</span> 3 findings at or above high',
    "<code>aws-credentials-file</code>",
    "<code>ssh-password-auth</code>",
    "<code>shell-history-present</code>",
    "<code>telemetry-agent</code>",
    "<h2>Ignored (1)</h2>",
    "ignored: regenerated at first boot by our own unit",
    "<h2>Needs your statement (11)</h2>",
    "<h2>Judged from listing/registration (14)</h2>",
    "<h2>Unknowns (1): files that could not be read</h2>",
    "/var/log/secure",
  ];
  let from = 0;
  for (const needle of order) {
    const at = html.indexOf(needle, from);
    assert.ok(at >= 0, `"${needle}" missing after offset ${from}`);
    from = at;
  }
  assert.ok(html.includes("Fixable with <code>amigate fix --only sshd-password-auth</code>"));
});

test("everything from the record is escaped; secrets stay masked", () => {
  assert.equal(htmlEscape(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  const result = sampleScanResult();
  result.target.input = `"><script>alert(1)</script>`;
  result.findings[0]!.path = "/etc/<img src=x onerror=alert(1)>";
  result.unknowns[0]!.error = "</li><script>x</script>";
  const html = renderHtml(result);
  assert.doesNotMatch(html, /<script|<img/i);
  assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt;"));
  assert.ok(html.includes("history of admin &lt;a&amp;b&gt; &quot;x&quot;"));
  assert.ok(!html.includes(SAMPLE_SECRET));
  assert.ok(html.includes("wJal************ (40 chars)"));
});
