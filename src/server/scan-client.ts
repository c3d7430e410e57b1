/**
 * Due diligence from the client side: the catalogue's latest scan of an image the caller can see
 * (GET /amigate/images/{id}/scan.json, signed), and what it says in one line. `amigate report`
 * prints the report; `amigate pull` reads the verdict before it downloads anything.
 */
import type { ScanResult } from "../policy/result.js";
import { atLeast } from "../policy/severity.js";
import { imagePath, signedJson } from "./json-client.js";
import type { Credentials } from "./sign.js";
import type { ScanStatus } from "./store/types.js";

/** The scan as /amigate/images/{id}/scan.json answers it. */
export interface ScanEnvelope {
  imageId: string;
  scanId: number;
  status: ScanStatus;
  startedAt: string;
  finishedAt?: string;
  error?: string;
  report?: ScanResult;
}

export function fetchScan(
  endpoint: string,
  credentials: Credentials,
  imageId: string,
): Promise<ScanEnvelope> {
  return signedJson<ScanEnvelope>(endpoint, credentials, "GET", imagePath(imageId, "scan.json"));
}

export type Verdict = "pass" | "fail" | "unfinished" | "scan-failed";

export function verdictOf(scan: ScanEnvelope): Verdict {
  if (scan.status === "failed") return "scan-failed";
  if (scan.status !== "done" || !scan.report) return "unfinished";
  return scan.report.passed ? "pass" : "fail";
}

/** "ami-… PASS: no finding at or above high (scanned …)", "ami-… FAIL: 3 findings at or above high: a, b". */
export function verdictLine(scan: ScanEnvelope): string {
  const r = scan.report;
  switch (verdictOf(scan)) {
    case "scan-failed":
      return `${scan.imageId}: the scan failed: ${scan.error ?? "unknown error"}`;
    case "unfinished":
      return `${scan.imageId}: the scan has not finished (${scan.status})`;
    case "pass":
      return `${scan.imageId} PASS: no finding at or above ${r!.failOn} (scanned ${r!.scannedAt})`;
    case "fail": {
      const failing = r!.findings.filter((f) => atLeast(f.severity, r!.failOn));
      const rules = [...new Set(failing.map((f) => f.rule))];
      return (
        `${scan.imageId} FAIL: ${failing.length} finding${failing.length === 1 ? "" : "s"} at or above ` +
        `${r!.failOn}: ${rules.join(", ")} (scanned ${r!.scannedAt})`
      );
    }
  }
}
