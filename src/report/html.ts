import { createHash } from "node:crypto";
import type { Finding, IgnoredFinding, ScanResult } from "../policy/result.js";
import { atLeast, SEVERITIES } from "../policy/severity.js";
import { groupBySeverity, isMultiRoot, locationOf, osName, type RuleGroup } from "./common.js";
import { htmlEscape } from "./html-escape.js";
import { summaryPicture } from "./html-summary.js";
import { statementsHtml } from "./statements.js";

export { htmlEscape } from "./html-escape.js";

const h = htmlEscape;

// Inline only: the page is served as is and saved by users, so it loads nothing from anywhere.
export const REPORT_STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #d0d7de}
table.meta td{padding:.1rem 1rem .1rem 0;vertical-align:top}code,.loc{font-family:ui-monospace,monospace;font-size:.9em}
.verdict{font-weight:700;padding:.1rem .5rem;border-radius:4px;color:#fff}.pass{background:#1a7f37}.fail{background:#cf222e}
.sev{display:inline-block;min-width:5.5rem;font-weight:700;text-transform:uppercase;font-size:.8rem}
.critical{color:#a40e26}.high{color:#cf222e}.medium{color:#9a6700}.low{color:#0969da}.info{color:#57606a}
.rule{margin:1rem 0;padding:.5rem .8rem;border-left:4px solid #d0d7de;background:#f6f8fa}
section.rule{color:#1b1f24}
.rule.critical,.rule.high{border-color:#cf222e}.rule.medium{border-color:#d4a72c}.rule.low{border-color:#0969da}
ul{margin:.3rem 0;padding-left:1.2rem}li{margin:.3rem 0}.clauses{color:#57606a;font-size:.85rem}
.evidence{display:block;white-space:pre-wrap;word-break:break-all;background:#fff;border:1px solid #d0d7de;padding:.1rem .4rem}
.muted{color:#57606a}
table.findings{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
table.findings th,table.findings td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #d0d7de;vertical-align:top}
table.findings th{background:#f6f8fa;font-size:.85rem}table.findings td.num{text-align:right}
a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}.pass-text{color:#1a7f37}
.summary{display:flex;flex-wrap:wrap;gap:1rem 3rem;margin:1rem 0}.summary svg{max-width:100%;height:auto}
@media print{
body{max-width:none;padding:0;font-size:10.5pt;color:#000}
a{color:#000}.muted,.clauses{color:#333}
.verdict{color:#000;border:2px solid #000;background:none}
.rule{background:none;border-left-width:3px;break-inside:avoid}
h2{break-after:avoid}table.findings thead{display:table-header-group}table.findings tr,.summary{break-inside:avoid}
.evidence{border-color:#999}
}`;

/**
 * The report's content below its title, for a page of someone else's (the web console's image
 * page); the standalone page adds the summary picture after the verdict.
 */
export function renderHtmlSections(result: ScanResult, options: { summaryPicture?: boolean } = {}): string {
  const multiRoot = isMultiRoot(result);
  const failing = result.findings.filter((f) => atLeast(f.severity, result.failOn)).length;
  const parts: string[] = [];
  const clauses = (ids: readonly string[]) => `<span class="clauses">${h(ids.join(", "))}</span>`;

  const findingItem = (f: Finding | IgnoredFinding) => {
    const where = locationOf(f, multiRoot);
    return (
      `<li><span class="loc">${h(where ?? "(image-wide)")}</span> — ${h(f.message)}` +
      (f.evidence !== undefined ? `<code class="evidence">${h(f.evidence)}</code>` : "") +
      ("ignoreReason" in f ? `<div class="muted">ignored: ${h(f.ignoreReason)}</div>` : "") +
      "</li>"
    );
  };
  const ruleBlock = (g: RuleGroup<Finding | IgnoredFinding>, anchor: boolean) => {
    const sev = g.findings[0]!.severity;
    const fix = g.findings[0]!.fixable && g.findings[0]!.fix !== undefined ? g.findings[0]!.fix : undefined;
    parts.push(
      `<section class="rule ${sev}"${anchor ? ` id="rule-${h(g.rule.id)}"` : ""}><div><span class="sev ${sev}">${sev}</span> <code>${h(g.rule.id)}</code> ` +
        `<strong>${h(g.rule.title)}</strong> ${clauses(g.rule.clauses)}</div>`,
      `<ul>${g.findings.map(findingItem).join("")}</ul>`,
      `<div>Remediation: ${h(g.rule.remediation)}</div>`,
      fix !== undefined ? `<div>Fixable with <code>amigate fix --only ${h(fix)}</code></div>` : "",
      "</section>",
    );
  };

  parts.push(
    '<table class="meta">',
    `<tr><td>Target</td><td><code>${h(result.target.input)}</code> (${h(result.target.kind)}) <span class="muted">${h(result.target.description)}</span></td></tr>`,
    ...result.target.notes.map((n) => `<tr><td></td><td class="muted">note: ${h(n)}</td></tr>`),
    ...result.roots.map(
      (r, i) =>
        `<tr><td>${i === 0 ? "OS" : ""}</td><td><code>${h(r.root)}</code> ${h(osName(r.os))}</td></tr>`,
    ),
    `<tr><td>Scanned</td><td>${h(result.scannedAt)}</td></tr>`,
    `<tr><td>Verdict</td><td><span class="verdict ${result.passed ? "pass" : "fail"}">${result.passed ? "PASS" : "FAIL"}</span> ` +
      `${result.passed ? "no finding" : `${failing} finding${failing === 1 ? "" : "s"}`} at or above ${h(result.failOn)}</td></tr>`,
    `<tr><td>Findings</td><td>${result.findings.length}: ${SEVERITIES.map((s) => `<span class="${s}">${s} ${result.summary[s]}</span>`).join(", ")}</td></tr>`,
    `<tr><td></td><td class="muted">ignored ${result.ignored.length}, needs your statement ${result.attestations.length}, ` +
      `judged from listing/registration ${result.metadataChecks.length}, unreadable ${result.unknowns.length}</td></tr>`,
    "</table>",
  );
  if (options.summaryPicture) parts.push(summaryPicture(result));

  parts.push("<h2>Findings</h2>");
  if (result.findings.length === 0) parts.push("<p>No findings.</p>");
  else {
    // One row per rule, worst first, each linking to its details below.
    parts.push(
      '<table class="findings"><thead><tr><th>Severity</th><th>Rule</th><th>Title</th><th>Clauses</th><th>Findings</th></tr></thead><tbody>',
    );
    for (const { groups } of groupBySeverity(result, result.findings))
      for (const g of groups) {
        const sev = g.findings[0]!.severity;
        parts.push(
          `<tr><td><span class="sev ${sev}">${sev}</span></td><td><a href="#rule-${h(g.rule.id)}"><code>${h(g.rule.id)}</code></a></td>` +
            `<td>${h(g.rule.title)}</td><td>${clauses(g.rule.clauses)}</td><td class="num">${g.findings.length}</td></tr>`,
        );
      }
    parts.push("</tbody></table>");
  }
  for (const { groups } of groupBySeverity(result, result.findings))
    for (const g of groups) ruleBlock(g, true);

  if (result.ignored.length > 0) {
    parts.push(
      `<h2>Ignored (${result.ignored.length})</h2><p class="muted">Accepted in the ignore file; not counted in the verdict.</p>`,
    );
    for (const { groups } of groupBySeverity(result, result.ignored))
      for (const g of groups) ruleBlock(g, false);
  }

  parts.push(statementsHtml(result.attestations, result.metadataChecks));
  if (result.notes.length > 0)
    parts.push(
      `<h2>Not checked (${result.notes.length})</h2><ul>`,
      ...result.notes.map((n) => `<li>${h(n)}</li>`),
      "</ul>",
    );
  parts.push(`<h2>Unknowns (${result.unknowns.length}): files that could not be read</h2>`);
  if (result.unknowns.length === 0) parts.push("<p>None: every file the rules asked for was read.</p>");
  else {
    parts.push("<ul>");
    for (const u of result.unknowns)
      parts.push(
        `<li><span class="loc">${h(u.path)}</span> <span class="muted">(${h(u.source)})</span> — ${h(u.error)}</li>`,
      );
    parts.push("</ul>");
  }

  return parts.filter((p) => p !== "").join("\n");
}

/**
 * The page's policy: nothing loads, no script runs, and the one style element applies because its
 * hash is listed (CSP3 §8.4), so an injected style element or style attribute would not.
 */
export const REPORT_CSP = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(REPORT_STYLE).digest("base64")}'; base-uri 'none'; form-action 'none'`;

/**
 * A single self-contained HTML page of the report (`amigate scan --format html`, the catalogue's
 * scan.html): no scripts, no external assets, a summary picture in inline SVG, print styles.
 */
export function renderHtml(result: ScanResult): string {
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`,
    `<title>amigate: ${h(result.passed ? "PASS" : "FAIL")} ${h(result.target.input)}</title>`,
    `<style>${REPORT_STYLE}</style></head><body>`,
    `<h1>amigate ${h(result.tool.version)} scan report</h1>`,
    renderHtmlSections(result, { summaryPicture: true }),
    "</body></html>",
    "",
  ].join("\n");
}
