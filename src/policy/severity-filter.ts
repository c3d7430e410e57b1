import type { ScanResult } from "./result.js";
import { atLeast, isSeverity, SEVERITIES, type Severity } from "./severity.js";

export class SeverityListError extends Error {
  override readonly name = "SeverityListError";
}

/** `--severity HIGH,critical` (Trivy's comma list, any case) → the severities, worst first. */
export function parseSeverityList(text: string): Severity[] {
  const named = text
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "");
  if (named.length === 0) throw new SeverityListError(`--severity "${text}": name at least one severity`);
  for (const s of named)
    if (!isSeverity(s))
      throw new SeverityListError(`--severity: "${s}" is not one of ${SEVERITIES.join(", ")}`);
  return SEVERITIES.filter((s) => named.includes(s));
}

/**
 * The report with only the findings of these severities (ignored ones too): counts and the
 * verdict are those of what is shown, so --fail-on judges the kept findings, and
 * `severityFilter` says a filter was applied.
 */
export function keepSeverities(result: ScanResult, keep: readonly Severity[]): ScanResult {
  const kept = new Set(keep);
  const findings = result.findings.filter((f) => kept.has(f.severity));
  const summary = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) summary[f.severity]++;
  return {
    ...result,
    findings,
    ignored: result.ignored.filter((f) => kept.has(f.severity)),
    summary,
    passed: !findings.some((f) => atLeast(f.severity, result.failOn)),
    severityFilter: SEVERITIES.filter((s) => kept.has(s)),
  };
}
