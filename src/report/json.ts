import type { ScanResult } from "../policy/result.js";

/** The documented JSON report (docs/report-json.md): the ScanResult record as is. */
export function renderJson(result: ScanResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
