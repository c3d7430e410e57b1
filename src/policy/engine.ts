import { describeError } from "../fs/errors.js";
import type { Image } from "../fs/image.js";
import { DEFAULT_INSPECT_OPTIONS, FactStore, type InspectOptions } from "../inspect/context.js";
import type { FactName, Facts } from "../inspect/facts.js";
import { inspectorsByName } from "../inspect/registry.js";
import type { DiskBootInfo, TargetGap } from "../source/target.js";
import { VERSION } from "../version.js";
import { reportStatements } from "./coverage.js";
import { type IgnoreEntry, matchIgnore } from "./ignore.js";
import type { Finding, IgnoredFinding, OsSummary, ScanResult } from "./result.js";
import type { Rule } from "./rule.js";
import { rules as allRules } from "./rules/index.js";
import scanIncomplete from "./rules/scan-incomplete.js";
import { atLeast, SEVERITIES, type Severity, severityRank } from "./severity.js";
import { type TargetFinding, targetFindings } from "./target-findings.js";

export interface ScanRoot {
  /** Where this root sits in the target ("/" for a directory or archive). */
  root: string;
  image: Image;
  disk?: DiskBootInfo;
}

export interface ScanOptions {
  failOn: Severity;
  ignore: readonly IgnoreEntry[];
  rules: ReadonlyArray<Rule<FactName>>;
  inspect: InspectOptions;
  /** Fixed clock for reproducible reports. */
  now: Date;
}

export const DEFAULT_SCAN_OPTIONS: ScanOptions = {
  failOn: "high",
  ignore: [],
  rules: allRules,
  inspect: DEFAULT_INSPECT_OPTIONS,
  now: new Date(),
};

/** Runs every rule over one image root; facts are computed once and shared. */
export async function evaluateRoot(
  scanRoot: ScanRoot,
  options: Pick<ScanOptions, "rules" | "inspect">,
): Promise<{ findings: Finding[]; facts: FactStore }> {
  const store = new FactStore(scanRoot.image, inspectorsByName, options.inspect, scanRoot.disk);
  const findings: Finding[] = [];
  for (const rule of options.rules) {
    const facts: Partial<Facts> = {};
    try {
      for (const name of rule.facts) (facts as Record<string, unknown>)[name] = await store.get(name);
    } catch (e) {
      store.unknowns.push({ path: "/", error: describeError(e), source: `rule ${rule.id}` });
      continue;
    }
    for (const draft of rule.check(facts as Facts)) {
      findings.push({
        rule: rule.id,
        title: rule.title,
        clauses: [...rule.clauses],
        severity: draft.severity ?? rule.severity,
        message: draft.message,
        ...(draft.path !== undefined ? { path: draft.path } : {}),
        ...(draft.line !== undefined ? { line: draft.line } : {}),
        ...(draft.evidence !== undefined ? { evidence: draft.evidence } : {}),
        remediation: rule.remediation,
        fixable: rule.fix !== undefined,
        ...(rule.fix !== undefined ? { fix: rule.fix } : {}),
        root: scanRoot.root,
      });
    }
  }
  return { findings, facts: store };
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    a.rule.localeCompare(b.rule) ||
    a.root.localeCompare(b.root) ||
    (a.path ?? "").localeCompare(b.path ?? "") ||
    (a.line ?? 0) - (b.line ?? 0) ||
    a.message.localeCompare(b.message)
  );
}

async function osSummary(store: FactStore): Promise<OsSummary> {
  try {
    const os = (await store.get("os")) as Partial<OsSummary>;
    const summary: OsSummary = {};
    for (const key of ["id", "name", "version", "prettyName"] as const) {
      if (typeof os[key] === "string") summary[key] = os[key];
    }
    return summary;
  } catch {
    return {};
  }
}

/** Why vulnerability matching did not run on this root, or undefined when it did. */
async function vulnerabilitySkip(facts: FactStore): Promise<string | undefined> {
  try {
    const v = await facts.get("vulnerabilities");
    return v.state === "checked" ? undefined : (v.note ?? v.state);
  } catch (e) {
    return describeError(e);
  }
}

/** Scans every root of a target and assembles the report record. */
export async function scan(
  target: {
    input: string;
    kind: string;
    description: string;
    notes?: readonly string[];
    gaps?: readonly TargetGap[];
    /** Findings about the target itself (e.g. tar entries extraction writes outside the root). */
    findings?: readonly TargetFinding[];
  },
  roots: readonly ScanRoot[],
  partial: Partial<ScanOptions> = {},
): Promise<ScanResult> {
  const merged: ScanOptions = { ...DEFAULT_SCAN_OPTIONS, now: new Date(), ...partial };
  // The scan date reaches the inspectors (EoL, DB age) unless the caller set one there.
  const options: ScanOptions = { ...merged, inspect: { now: merged.now, ...merged.inspect } };
  const findings: Finding[] = [];
  const ignored: IgnoredFinding[] = [];
  const unknowns: ScanResult["unknowns"] = [];
  const notes: string[] = [];
  const rootSummaries: ScanResult["roots"] = [];
  const skippedVulnerabilities: string[] = [];
  const matchesVulnerabilities = options.rules.some((r) =>
    (r.facts as readonly string[]).includes("vulnerabilities"),
  );
  const found: Finding[] = [];
  // What the target itself says: gaps (scan-incomplete) and its own findings, as findings of their rules.
  const gapFindings = (target.gaps ?? []).map((g) => ({
    rule: scanIncomplete.id,
    message: `not read: ${g.where}: ${g.reason}`,
  }));
  found.push(...targetFindings([...gapFindings, ...(target.findings ?? [])], options.rules));
  for (const root of roots) found.push(...(await evaluate(root)));
  for (const f of found) {
    const accepted = matchIgnore(options.ignore, f);
    if (accepted) ignored.push({ ...f, ignoreReason: accepted.reason });
    else findings.push(f);
  }
  async function evaluate(root: ScanRoot): Promise<Finding[]> {
    const { findings: rootFindings, facts } = await evaluateRoot(root, options);
    unknowns.push(...facts.unknowns);
    for (const note of facts.notes) {
      const text = roots.length > 1 ? `${root.root}: ${note}` : note;
      if (!notes.includes(text)) notes.push(text);
    }
    rootSummaries.push({ root: root.root, os: await osSummary(facts) });
    const skipped = matchesVulnerabilities
      ? await vulnerabilitySkip(facts)
      : "no rule matched vulnerabilities";
    if (skipped !== undefined)
      skippedVulnerabilities.push(roots.length > 1 ? `${root.root}: ${skipped}` : skipped);
    return rootFindings;
  }
  findings.sort(compareFindings);
  unknowns.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.source.localeCompare(b.source)));
  ignored.sort(compareFindings);
  const summary = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) summary[f.severity]++;
  return {
    schemaVersion: 1,
    tool: { name: "amigate", version: VERSION },
    target: {
      input: target.input,
      kind: target.kind,
      description: target.description,
      notes: [...(target.notes ?? [])],
    },
    scannedAt: options.now.toISOString(),
    roots: rootSummaries,
    failOn: options.failOn,
    passed: !findings.some((f) => atLeast(f.severity, options.failOn)),
    summary,
    findings,
    ignored,
    ...reportStatements(),
    unknowns,
    checks: {
      vulnerabilities: {
        state: skippedVulnerabilities.length === 0 && roots.length > 0 ? "checked" : "skipped",
        reasons: roots.length > 0 ? skippedVulnerabilities : ["the target has no OS root"],
      },
    },
    notes,
    rules: options.rules.map((r) => ({
      id: r.id,
      title: r.title,
      clauses: [...r.clauses],
      severity: r.severity,
      description: r.description,
      remediation: r.remediation,
      ...(r.fix !== undefined ? { fix: r.fix } : {}),
    })),
  };
}
