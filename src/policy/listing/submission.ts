/**
 * The submission record of one image version: the scan verdict, the listing checks and the
 * attestations, and plainly whether the version is ready to submit and, if not, every reason.
 * Ready means: the scan passed (nothing at or above its --fail-on, vulnerability checks ran),
 * a listing was given and every listing check passed, the registered attributes passed where they
 * are known, and every attestation item is answered yes (or not-applicable where it may be).
 */

import type { AttestationItem, Finding, MetadataCheck, ScanResult } from "../result.js";
import { atLeast } from "../severity.js";
import { evidenceOf, judgeStatements, type Statements } from "./judge.js";
import type { Listing } from "./listing.js";
import { withScanPackageCounts } from "./package-counts.js";

export type ScanState = "passed" | "failed" | "not-scanned" | "pending" | "scan-failed";

export interface SubmissionRecord {
  schemaVersion: 1;
  imageId: string;
  generatedAt: string;
  ready: boolean;
  /** "ready to submit", or "not ready to submit: N reasons". */
  verdict: string;
  /** Why it is not ready, one sentence each (empty when ready). */
  reasons: string[];
  /** What was not judged and does not block (e.g. attributes of an image not registered yet). */
  notes: string[];
  scan: {
    state: ScanState;
    scannedAt?: string;
    failOn?: string;
    summary?: ScanResult["summary"];
    /** Findings at or above failOn. */
    failing: Finding[];
    vulnerabilityChecks?: ScanResult["checks"]["vulnerabilities"];
    error?: string;
  };
  listing: Listing | null;
  metadataChecks: MetadataCheck[];
  attestations: AttestationItem[];
}

/** The scan as the catalogue or a report file has it. */
export interface ScanOutcome {
  status: "done" | "failed" | "pending" | "running" | "none";
  report?: ScanResult;
  error?: string;
}

function scanPart(scan: ScanOutcome, reasons: string[]): SubmissionRecord["scan"] {
  if (scan.status === "none") {
    reasons.push("the image has not been scanned");
    return { state: "not-scanned", failing: [] };
  }
  if (scan.status === "pending" || scan.status === "running") {
    reasons.push(`the scan has not finished (${scan.status})`);
    return { state: "pending", failing: [] };
  }
  if (scan.status === "failed" || !scan.report) {
    reasons.push(`the scan failed: ${scan.error ?? "no report"}`);
    return { state: "scan-failed", failing: [], ...(scan.error ? { error: scan.error } : {}) };
  }
  const r = scan.report;
  const failing = r.findings.filter((f) => atLeast(f.severity, r.failOn));
  if (failing.length > 0) {
    const rules = [...new Set(failing.map((f) => f.rule))];
    reasons.push(`the scan has ${failing.length} finding(s) at or above ${r.failOn}: ${rules.join(", ")}`);
  }
  // Fail closed: a report without `checks` (older amigate) did not say they ran.
  const vulnerabilities = r.checks?.vulnerabilities;
  if (vulnerabilities?.state !== "checked")
    reasons.push(
      `the scan's vulnerability checks were skipped: ${(vulnerabilities?.reasons ?? ["the report does not say they ran"]).map((r) => r.replace(/^vulnerability checks were skipped: /, "")).join("; ")}`,
    );
  return {
    state: failing.length === 0 ? "passed" : "failed",
    scannedAt: r.scannedAt,
    failOn: r.failOn,
    summary: { ...r.summary },
    failing,
    ...(vulnerabilities ? { vulnerabilityChecks: vulnerabilities } : {}),
  };
}

export function buildSubmission(input: {
  imageId: string;
  scan: ScanOutcome;
  statements: Statements;
  now?: Date;
}): SubmissionRecord {
  const reasons: string[] = [];
  const notes: string[] = [];
  const scan = scanPart(input.scan, reasons);
  const { metadataChecks, attestations } = judgeStatements(input.statements, evidenceOf(input.scan.report));
  if (!input.statements.listing) reasons.push("no listing was provided (amigate listing init)");
  for (const m of metadataChecks) {
    if (m.status === "failed")
      for (const f of m.findings ?? [])
        if (f.severity !== "info") reasons.push(`${m.id} (${m.clauses.join(", ")}): ${f.message}`);
    if (m.status === "attributes-not-provided")
      notes.push(`${m.id} (${m.clauses.join(", ")}): judged once the image is registered in a catalogue`);
  }
  const unanswered = attestations.filter((a) => a.status === "needs-statement").map((a) => a.id);
  if (unanswered.length > 0)
    reasons.push(`${unanswered.length} statement(s) not answered (amigate attest): ${unanswered.join(", ")}`);
  for (const a of attestations)
    if (a.answer?.answer === "no")
      reasons.push(
        `${a.id} (${a.clauses.join(", ")}) is answered no${a.answer.comment ? `: ${a.answer.comment}` : ""}`,
      );
  const ready = reasons.length === 0;
  return {
    schemaVersion: 1,
    imageId: input.imageId,
    generatedAt: (input.now ?? new Date()).toISOString(),
    ready,
    verdict: ready
      ? "ready to submit"
      : `not ready to submit: ${reasons.length} reason${reasons.length === 1 ? "" : "s"}`,
    reasons,
    notes,
    scan,
    listing: input.statements.listing
      ? withScanPackageCounts(input.statements.listing, input.scan.report?.listingFacts)
      : null,
    metadataChecks,
    attestations,
  };
}
