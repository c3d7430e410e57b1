/**
 * The scan session: target → options → one FactStore per root → rules → result. Every scan
 * (`amigate scan`, `amigate fix`'s planning and re-scan, the server's scan worker) is one, and
 * whoever needs facts beyond the report (the fix planner, EC2 platform fields) reads the session's
 * — computed once, with the scan's options (--as-of, --db).
 */

import type { Image } from "../fs/image.js";
import { FactStore, type Unknown } from "../inspect/context.js";
import type { FactName } from "../inspect/facts.js";
import { inspectorsByName } from "../inspect/registry.js";
import { describeError } from "../io/errors.js";
import { reportStatements } from "../policy/coverage.js";
import { evaluateRules } from "../policy/engine.js";
import { matchIgnore } from "../policy/ignore.js";
import type { Finding, IgnoredFinding, OsSummary, ScanResult } from "../policy/result.js";
import scanIncomplete from "../policy/rules/scan-incomplete.js";
import { atLeast, SEVERITIES, type Severity, severityRank } from "../policy/severity.js";
import { type TargetFinding, targetFindings } from "../policy/target-findings.js";
import type { TargetGap, TargetRoot } from "../target/target.js";
import { VERSION } from "../version.js";
import { listingFactsOf } from "./listing-facts.js";
import { completeScanOptions, type ScanOptions } from "./options.js";

/**
 * What a session scans: an OpenedTarget as it is (so its notes, gaps and own findings are never
 * left out), or the same shape around roots made in memory.
 */
export interface ScanTarget {
  input: string;
  kind: string;
  description: string;
  roots: readonly TargetRoot[];
  /** Said about the target itself; shown in the report's target section. */
  notes: readonly string[];
  /** What was not read: each fails the scan (rule scan-incomplete). */
  gaps: readonly TargetGap[];
  /** Findings about the target itself (e.g. tar entries extraction writes outside the root). */
  findings?: readonly TargetFinding[];
}

/** One root of a session and its facts: the rules read them, and so may anyone after the session. */
export interface SessionRoot {
  /** Where the root sits in the target ("/" for a directory or archive). */
  root: string;
  /** The root's facts (its image is `facts.image`, its disk `facts.disk`). */
  facts: FactStore;
}

/**
 * One scan of one target. The FactStores exist from the start, so facts may be read before the
 * rules run (the fix planner does, and its notices are what planning could not read); the rules
 * run once, on the first call of result(), and reuse whatever was computed before.
 */
export class ScanSession {
  readonly options: ScanOptions;
  readonly roots: readonly SessionRoot[];
  private evaluated: Promise<ScanResult> | undefined;

  constructor(
    readonly target: ScanTarget,
    options: Partial<ScanOptions> = {},
  ) {
    this.options = completeScanOptions(options);
    this.roots = target.roots.map((r) => ({
      root: r.root,
      facts: new FactStore(r.image, inspectorsByName, this.options.inspect, r.disk),
    }));
  }

  /** The report: every rule over every root, the target's gaps and findings, judged. */
  result(): Promise<ScanResult> {
    this.evaluated ??= evaluate(this.target, this.roots, this.options);
    return this.evaluated;
  }
}

/** Scans a target: the report, and each root's facts for whoever needs more than the report. */
export async function runScan(
  target: ScanTarget,
  options: Partial<ScanOptions> = {},
): Promise<{ result: ScanResult; roots: readonly SessionRoot[] }> {
  const session = new ScanSession(target, options);
  return { result: await session.result(), roots: session.roots };
}

/** A session over one image at "/" (in-memory trees in tests and tools), described by its tree. */
export function imageSession(
  image: Image,
  options: Partial<ScanOptions> = {},
  target: Partial<Omit<ScanTarget, "roots">> = {},
): ScanSession {
  return new ScanSession(
    {
      input: image.description,
      kind: "directory",
      description: image.description,
      notes: [],
      gaps: [],
      ...target,
      roots: [{ root: "/", image }],
    },
    options,
  );
}

/**
 * The report of a scan of `roots` under the target's description (in-memory roots in tests and
 * tools). Targets that were opened go through runScan(target) with the OpenedTarget itself.
 */
export async function scan(
  target: Pick<ScanTarget, "input" | "kind" | "description"> &
    Partial<Pick<ScanTarget, "notes" | "gaps" | "findings">>,
  roots: readonly TargetRoot[],
  options: Partial<ScanOptions> = {},
): Promise<ScanResult> {
  const full: ScanTarget = { notes: [], gaps: [], ...target, roots };
  return (await runScan(full, options)).result;
}

/** The report's order of findings: most severe first, then by rule, root, place and message. */
export function compareFindings(a: Finding, b: Finding): number {
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

/** The report's order of unknowns: by path, then by the inspector that hit it. */
export function compareUnknowns(a: Unknown, b: Unknown): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : a.source.localeCompare(b.source);
}

/** Why vulnerability matching did not run on this root, or undefined when it did. */
export async function vulnerabilitySkip(facts: FactStore): Promise<string | undefined> {
  try {
    const v = await facts.get("vulnerabilities");
    return v.state === "checked" ? undefined : (v.note ?? v.state);
  } catch (e) {
    return describeError(e);
  }
}

/** Runs the rules over every root and assembles the report record. */
async function evaluate(
  target: ScanTarget,
  roots: readonly SessionRoot[],
  options: ScanOptions,
): Promise<ScanResult> {
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
  const gapFindings = target.gaps.map((g) => ({
    rule: scanIncomplete.id,
    messageId: "targetGap",
    data: { where: g.where, reason: g.reason },
  }));
  found.push(...targetFindings([...gapFindings, ...(target.findings ?? [])], options.rules));
  // Every fact a rule needs, started at once: while the content thread scans text, the main thread
  // runs the other inspectors instead of waiting for the rule that asked first.
  const needed = new Set(options.rules.flatMap((r) => r.facts as readonly FactName[]));
  for (const { facts } of roots) facts.prefetch(needed);
  for (const { root, facts } of roots) {
    found.push(...(await evaluateRules(root, facts, options.rules)));
    unknowns.push(...facts.unknowns);
    for (const note of facts.orderedNotes()) {
      const text = roots.length > 1 ? `${root}: ${note}` : note;
      if (!notes.includes(text)) notes.push(text);
    }
    rootSummaries.push({ root, os: await osSummary(facts) });
    const skipped = matchesVulnerabilities
      ? await vulnerabilitySkip(facts)
      : "no rule matched vulnerabilities";
    if (skipped !== undefined)
      skippedVulnerabilities.push(roots.length > 1 ? `${root}: ${skipped}` : skipped);
  }
  for (const f of found) {
    const accepted = matchIgnore(options.ignore, f);
    if (accepted) ignored.push({ ...f, ignoreReason: accepted.reason });
    else findings.push(f);
  }
  findings.sort(compareFindings);
  unknowns.sort(compareUnknowns);
  ignored.sort(compareFindings);
  const listingFacts = await listingFactsOf(roots);
  const summary = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) summary[f.severity]++;
  return {
    schemaVersion: 1,
    tool: { name: "amigate", version: VERSION },
    target: {
      input: target.input,
      kind: target.kind,
      description: target.description,
      notes: [...target.notes],
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
      messages: { ...r.messages },
    })),
    ...(listingFacts ? { listingFacts } : {}),
  };
}
