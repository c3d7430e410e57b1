/**
 * The submission record (policy/listing/submission.ts) as JSON and as one self-contained HTML
 * page: the verdict first, in words, then every reason, the scan, the listing and its checks,
 * and the publisher's statements.
 */
import { packageCountText, portText } from "../policy/listing/listing.js";
import type { SubmissionRecord } from "../policy/listing/submission.js";
import { SEVERITIES } from "../policy/severity.js";
import { REPORT_STYLE } from "./html.js";
import { htmlEscape as h } from "./html-escape.js";
import { statementsHtml } from "./statements.js";

export function renderSubmissionJson(record: SubmissionRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

const SCAN_STATE: Record<SubmissionRecord["scan"]["state"], string> = {
  passed: "PASS",
  failed: "FAIL",
  "not-scanned": "not scanned",
  pending: "scan not finished",
  "scan-failed": "scan failed",
};

function listingHtml(record: SubmissionRecord): string {
  const l = record.listing;
  if (!l) return "<h2>Listing</h2><p>Listing not provided.</p>";
  const row = (name: string, value: string) =>
    `<tr><td>${h(name)}</td><td>${value === "" ? '<span class="muted">(empty)</span>' : value}</td></tr>`;
  const list = (items: readonly string[]) =>
    items.length === 0 ? "" : `<ul>${items.map((i) => `<li>${h(i)}</li>`).join("")}</ul>`;
  return [
    "<h2>Listing</h2>",
    '<table class="meta">',
    row("AMI ID", l.imageId ? `<code>${h(l.imageId)}</code>` : ""),
    row("Name", h(l.name) + (l.version ? ` <span class="muted">version ${h(l.version)}</span>` : "")),
    row("Publisher", h(l.publisher.name) + (l.publisher.url ? ` (${h(l.publisher.url)})` : "")),
    row("OS", h([l.os.name, l.os.version].filter((s) => s !== "").join(" "))),
    row("Architecture", h(l.architecture)),
    row("Key features", list(l.keyFeatures)),
    row("Description", h(l.description)),
    row("Daemons / services", list(l.services)),
    row("Listening ports", h(l.listeningPorts.map(portText).join(", "))),
    row("Installed packages", l.packages ? h(packageCountText(l.packages)) : ""),
    row("Usage instructions", h(l.usageInstructions)),
    row(
      "What's new",
      l.releaseNotes.date === "" && l.releaseNotes.notes.length === 0
        ? ""
        : `The following changes were made on ${h(l.releaseNotes.date || "(no date)")}.${list(l.releaseNotes.notes)}`,
    ),
    row("External dependencies", list(l.externalDependencies)),
    row("Data collection", h(l.dataCollection)),
    ...(l.addOnTo ? [row("Add-on to", h(l.addOnTo))] : []),
    "</table>",
  ].join("\n");
}

/** The record's content (title included), for a page of someone else's (the web console's). */
export function renderSubmissionSections(record: SubmissionRecord): string {
  const s = record.scan;
  const parts = [
    `<h1>Submission record: <code>${h(record.imageId)}</code></h1>`,
    `<p><span class="verdict ${record.ready ? "pass" : "fail"}">${record.ready ? "READY" : "NOT READY"}</span> ${h(record.verdict)}</p>`,
  ];
  if (record.reasons.length > 0)
    parts.push("<h2>Why it is not ready</h2><ul>", ...record.reasons.map((r) => `<li>${h(r)}</li>`), "</ul>");
  if (record.notes.length > 0)
    parts.push(
      '<h2>Not judged yet</h2><ul class="muted">',
      ...record.notes.map((n) => `<li>${h(n)}</li>`),
      "</ul>",
    );
  parts.push(
    "<h2>Scan</h2>",
    '<table class="meta">',
    `<tr><td>Verdict</td><td><span class="verdict ${s.state === "passed" ? "pass" : "fail"}">${h(SCAN_STATE[s.state])}</span>${s.failOn ? ` at or above ${h(s.failOn)}` : ""}</td></tr>`,
    ...(s.scannedAt ? [`<tr><td>Scanned</td><td>${h(s.scannedAt)}</td></tr>`] : []),
    ...(s.summary
      ? [
          `<tr><td>Findings</td><td>${SEVERITIES.map((v) => `<span class="${v}">${v} ${s.summary![v]}</span>`).join(", ")}</td></tr>`,
        ]
      : []),
    ...(s.vulnerabilityChecks
      ? [
          `<tr><td>Vulnerabilities</td><td>${h(s.vulnerabilityChecks.state)} ${h(s.vulnerabilityChecks.reasons.join("; "))}</td></tr>`,
        ]
      : []),
    ...(s.error ? [`<tr><td>Error</td><td>${h(s.error)}</td></tr>`] : []),
    "</table>",
  );
  if (s.failing.length > 0)
    parts.push(
      "<ul>",
      ...s.failing.map(
        (f) =>
          `<li><span class="sev ${f.severity}">${f.severity}</span> <code>${h(f.rule)}</code> ${h(f.message)}${f.path ? ` <span class="loc">${h(f.path)}</span>` : ""}</li>`,
      ),
      "</ul>",
    );
  parts.push(listingHtml(record), statementsHtml(record.attestations, record.metadataChecks));
  return parts.join("\n");
}

export function renderSubmissionHtml(record: SubmissionRecord): string {
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>amigate: ${record.ready ? "ready" : "not ready"} ${h(record.imageId)}</title>`,
    `<style>${REPORT_STYLE}</style></head><body>`,
    renderSubmissionSections(record),
    "</body></html>",
    "",
  ].join("\n");
}
