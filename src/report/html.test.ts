import assert from "node:assert/strict";
import { test } from "node:test";
import { SAMPLE_SECRET, sampleScanResult } from "../../test/support/scan-result.js";
import { htmlEscape, renderHtml } from "./html.js";

test("self-contained: no scripts, no external or relative assets, a CSP that forbids loading", () => {
  const html = renderHtml(sampleScanResult());
  assert.match(html, /^<!doctype html>/);
  // In-page links (href="#…") load nothing; any other href would.
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|\bsrc=|\bhref="(?!#)|url\(|@import/i);
  assert.match(html, /<a href="#rule-/);
  assert.match(html, /content="default-src 'none'; style-src 'unsafe-inline'"/);
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
