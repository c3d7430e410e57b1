import type { Finding, IgnoredFinding, RuleSummary, ScanResult } from "../policy/result.js";
import { SEVERITIES, type Severity } from "../policy/severity.js";

/** The findings of one rule at one severity, in the record's order. */
export interface RuleGroup<F extends Finding = Finding> {
  rule: RuleSummary;
  findings: F[];
}

/**
 * Every rule the report mentions: the scan's rule table, plus a summary built from the finding for
 * any rule the table lacks (a hand-made record), so writers never drop a finding.
 */
export function rulesOf(result: ScanResult): RuleSummary[] {
  const byId = new Map(result.rules.map((r) => [r.id, r]));
  for (const f of [...result.findings, ...result.ignored]) {
    if (byId.has(f.rule)) continue;
    byId.set(f.rule, {
      id: f.rule,
      title: f.title,
      clauses: [...f.clauses],
      severity: f.severity,
      description: f.title,
      remediation: f.remediation,
      ...(f.fix !== undefined ? { fix: f.fix } : {}),
      // A hand-made record's rule: its templates are unknown, each finding keeps its text.
      messages: {},
    });
  }
  return [...byId.values()];
}

/** Findings grouped by severity (critical first), then by rule in first-seen order. */
export function groupBySeverity<F extends Finding>(
  result: ScanResult,
  findings: readonly F[],
): Array<{ severity: Severity; groups: RuleGroup<F>[] }> {
  const rules = new Map(rulesOf(result).map((r) => [r.id, r]));
  return SEVERITIES.map((severity) => {
    const groups = new Map<string, RuleGroup<F>>();
    for (const f of findings) {
      if (f.severity !== severity) continue;
      let g = groups.get(f.rule);
      if (!g) {
        g = { rule: rules.get(f.rule)!, findings: [] };
        groups.set(f.rule, g);
      }
      g.findings.push(f);
    }
    return { severity, groups: [...groups.values()] };
  }).filter((s) => s.groups.length > 0);
}

/** Findings and ignored findings of each rule (JUnit's test cases, SARIF's rule table order). */
export function findingsByRule(
  result: ScanResult,
): Array<{ rule: RuleSummary; findings: Finding[]; ignored: IgnoredFinding[] }> {
  return rulesOf(result).map((rule) => ({
    rule,
    findings: result.findings.filter((f) => f.rule === rule.id),
    ignored: result.ignored.filter((f) => f.rule === rule.id),
  }));
}

/** "path:line" inside the image, prefixed with the root when the target has several. */
export function locationOf(f: Finding, multiRoot: boolean): string | undefined {
  if (f.path === undefined) return multiRoot ? `[${f.root}]` : undefined;
  const where = f.line !== undefined ? `${f.path}:${f.line}` : f.path;
  return multiRoot ? `[${f.root}] ${where}` : where;
}

export function isMultiRoot(result: ScanResult): boolean {
  return result.roots.length > 1;
}

export function osName(os: ScanResult["roots"][number]["os"]): string {
  return os.prettyName ?? ([os.name, os.version].filter(Boolean).join(" ") || os.id || "unknown OS");
}

export { visible } from "../io/visible.js";
