/**
 * Re-judging a stored report: the rules whose verdict changes with the date or the vulnerability
 * database (those reading a TIME_DEPENDENT_FACTS fact) run again over a FactStore seeded from the
 * scan's facts snapshot, on a new date and database; no file of the image is read. Their findings,
 * notes, unknowns and the vulnerability check replace the old ones; summary and verdict follow.
 */
import type { Readable } from "node:stream";
import type { DirEntry, FileStat, FileTree } from "../fs/filetree.js";
import { Image } from "../fs/image.js";
import { DEFAULT_INSPECT_OPTIONS, FactStore, type Inspector, type Unknown } from "../inspect/context.js";
import type { FactName } from "../inspect/facts.js";
import { inspectorsByName } from "../inspect/registry.js";
import { evaluateRules } from "../policy/engine.js";
import { type IgnoreEntry, matchIgnore, splitExpired } from "../policy/ignore.js";
import type { Finding, IgnoredFinding, ScanResult } from "../policy/result.js";
import type { Rule } from "../policy/rule.js";
import { rules as allRules } from "../policy/rules/index.js";
import { atLeast, SEVERITIES, type Severity } from "../policy/severity.js";
import type { VulnDbReader } from "../vuln/reader.js";
import { compareFindings, compareUnknowns, vulnerabilitySkip } from "./session.js";
import {
  type FactsSnapshot,
  FactsSnapshotError,
  type RootSnapshot,
  SNAPSHOT_FACTS,
  TIME_DEPENDENT_FACTS,
} from "./snapshot.js";

export interface RejudgeOptions {
  /** The date end of life and the database's age are judged on. */
  asOf: Date;
  /** The vulnerability database (none: the checks are skipped, as in a scan without one). */
  vulnDb?: string;
  /** A database older than this many days is stale (default 7, as in a scan). */
  vulnDbMaxAgeDays?: number;
  /** `vulnDb` already open, for a run over many reports (VulnDbReader.open; the caller closes it). */
  vulnDbReader?: VulnDbReader;
  /** The rule set the report was judged by (default: every rule); its time-dependent ones run. */
  rules?: ReadonlyArray<Rule<FactName>>;
  /** What fails the report (default: the report's own failOn). */
  failOn?: Severity;
  /**
   * Accepted findings among the re-judged rules' (the report does not keep the scan's list); an
   * entry past its `expires` on asOf no longer applies.
   */
  ignore?: readonly IgnoreEntry[];
}

/** Whether a report passes, and whether its vulnerability checks ran: what a gate reads. */
export interface Verdict {
  passed: boolean;
  vulnerabilities: "checked" | "skipped";
}

/** A re-judged report: the scan's, with the date its time-dependent rules were judged on again. */
export type RejudgedReport = ScanResult & Required<Pick<ScanResult, "rejudgedAt">>;

export interface Rejudgement {
  report: RejudgedReport;
  /** Findings the old report did not have (a finding whose text or severity changed is here and in resolved). */
  added: Finding[];
  /** Findings of the old report that are gone. */
  resolved: Finding[];
  before: Verdict;
  after: Verdict;
  /** Anything in the report changed beyond the judging date: findings, notes, unknowns, the check. */
  changed: boolean;
}

/**
 * A re-judgement would need more than the snapshot: a time-dependent inspector asked for a fact
 * the snapshot does not keep, or read a file, or a rule reads such a fact. A programming error,
 * held off by snapshot.test.ts, never silently a finding less.
 */
export class SnapshotGapError extends Error {
  override readonly name = "SnapshotGapError";
}

const TIME_DEPENDENT = new Set<FactName>(TIME_DEPENDENT_FACTS);
const FROM_SNAPSHOT = new Set<FactName>(SNAPSHOT_FACTS);

/** The rules a re-judgement runs: those reading a fact that changes with the date or the database. */
export function timeDependentRules(rules: ReadonlyArray<Rule<FactName>>): Array<Rule<FactName>> {
  return rules.filter((r) => r.facts.some((f) => TIME_DEPENDENT.has(f)));
}

/** The snapshot's tree: re-judging reads no file, so any read is a gap (recorded, then thrown). */
class NoFileTree implements FileTree {
  readonly description = "facts snapshot (no files)";
  readonly reads: string[] = [];
  private refuse(path: string): never {
    this.reads.push(path);
    throw new SnapshotGapError(`re-judging read ${path}: a facts snapshot holds no files`);
  }
  async lstat(path: string): Promise<FileStat> {
    return this.refuse(path);
  }
  async readdir(path: string): Promise<DirEntry[]> {
    return this.refuse(path);
  }
  async readlink(path: string): Promise<string> {
    return this.refuse(path);
  }
  async readFile(path: string): Promise<Buffer> {
    return this.refuse(path);
  }
  createReadStream(path: string): Readable {
    return this.refuse(path);
  }
  async close(): Promise<void> {}
}

/** A snapshot fact's failure as it was described in the scan. */
class SnapshotFactFailure extends Error {
  override readonly name = "SnapshotFactFailure";
}

/**
 * Inspectors for a snapshot's root: its facts as they were, the time-dependent inspectors as they
 * are, and for every other fact one that records the gap and throws.
 */
function snapshotInspectors(
  snapshot: RootSnapshot,
  gaps: string[],
): ReadonlyMap<FactName, Inspector<FactName>> {
  const map = new Map<FactName, Inspector<FactName>>();
  for (const name of inspectorsByName.keys()) {
    if (TIME_DEPENDENT.has(name)) map.set(name, inspectorsByName.get(name)!);
    else if (FROM_SNAPSHOT.has(name as (typeof SNAPSHOT_FACTS)[number])) {
      const key = name as (typeof SNAPSHOT_FACTS)[number];
      map.set(name, {
        name,
        description: `${name} from the facts snapshot`,
        paths: [],
        async inspect() {
          const value = snapshot.facts[key];
          if (value === undefined)
            throw new SnapshotFactFailure(snapshot.failed[key] ?? `${name} is not in the snapshot`);
          return value as never;
        },
      });
    } else
      map.set(name, {
        name,
        description: `${name}: not in a facts snapshot`,
        paths: [],
        async inspect() {
          gaps.push(name);
          throw new SnapshotGapError(
            `re-judging asked for the ${name} fact, which a facts snapshot does not keep`,
          );
        },
      });
  }
  return map;
}

const verdictOf = (r: Pick<ScanResult, "passed" | "checks">): Verdict => ({
  passed: r.passed,
  vulnerabilities: r.checks?.vulnerabilities?.state === "checked" ? "checked" : "skipped",
});

const findingKey = (f: Finding) =>
  JSON.stringify([f.rule, f.root, f.path ?? "", f.line ?? 0, f.severity, f.message]);

/**
 * The report judged again on `options.asOf` with `options.vulnDb`, and what changed. The snapshot
 * must be of the report's scan (the same roots); the report itself is not modified.
 */
export async function rejudge(
  report: ScanResult,
  snapshot: FactsSnapshot,
  options: RejudgeOptions,
): Promise<Rejudgement> {
  const ruleSet = options.rules ?? allRules;
  const rules = timeDependentRules(ruleSet);
  for (const r of rules) {
    const other = r.facts.filter((f) => !TIME_DEPENDENT.has(f) && !FROM_SNAPSHOT.has(f));
    if (other.length > 0)
      throw new SnapshotGapError(
        `rule ${r.id} reads ${other.join(", ")}, which a facts snapshot does not keep`,
      );
  }
  const reportRoots = report.roots.map((r) => r.root);
  const snapshotRoots = snapshot.roots.map((r) => r.root);
  if (JSON.stringify(reportRoots) !== JSON.stringify(snapshotRoots))
    throw new FactsSnapshotError(
      `the snapshot's roots (${snapshotRoots.join(", ") || "none"}) are not the report's (${reportRoots.join(", ") || "none"})`,
    );
  const inspect = {
    ...DEFAULT_INSPECT_OPTIONS,
    now: options.asOf,
    ...(options.vulnDb !== undefined ? { vulnDb: options.vulnDb } : {}),
    ...(options.vulnDbMaxAgeDays !== undefined ? { vulnDbMaxAgeDays: options.vulnDbMaxAgeDays } : {}),
    ...(options.vulnDbReader !== undefined ? { vulnDbReader: options.vulnDbReader } : {}),
  };
  const ruleIds = new Set(rules.map((r) => r.id));
  const judgedSources = new Set<string>([...TIME_DEPENDENT_FACTS, ...rules.map((r) => `rule ${r.id}`)]);
  const multiRoot = snapshot.roots.length > 1;
  const found: Finding[] = [];
  const unknowns: Unknown[] = report.unknowns.filter((u) => !judgedSources.has(u.source));
  const notes: string[] = [];
  const skipped: string[] = [];
  const matchesVulnerabilities = ruleSet.some((r) =>
    (r.facts as readonly string[]).includes("vulnerabilities"),
  );
  for (const root of snapshot.roots) {
    const gaps: string[] = [];
    const tree = new NoFileTree();
    const store = new FactStore(new Image(tree), snapshotInspectors(root, gaps), inspect);
    found.push(...(await evaluateRules(root.root, store, rules)));
    // A gap is a programming error: thrown, though the rule that met it was skipped like any failure.
    if (gaps.length > 0 || tree.reads.length > 0)
      throw new SnapshotGapError(
        `re-judging ${root.root} needed ${[...gaps.map((g) => `the ${g} fact`), ...tree.reads].join(", ")}, which a facts snapshot does not keep`,
      );
    unknowns.push(...store.unknowns);
    const rootNotes = [...root.notes];
    rootNotes.splice(root.judgedNotesAt, 0, ...store.notes);
    for (const note of rootNotes) {
      const text = multiRoot ? `${root.root}: ${note}` : note;
      if (!notes.includes(text)) notes.push(text);
    }
    const skip = matchesVulnerabilities ? await vulnerabilitySkip(store) : "no rule matched vulnerabilities";
    if (skip !== undefined) skipped.push(multiRoot ? `${root.root}: ${skip}` : skip);
  }
  // An accepted finding's entry may have expired by the new date: its findings count again.
  const ignore = splitExpired(options.ignore ?? [], options.asOf).active;
  const findings = report.findings.filter((f) => !ruleIds.has(f.rule));
  const ignored: IgnoredFinding[] = report.ignored.filter((f) => !ruleIds.has(f.rule));
  for (const f of found) {
    const accepted = matchIgnore(ignore, f);
    if (accepted) ignored.push({ ...f, ignoreReason: accepted.reason });
    else findings.push(f);
  }
  findings.sort(compareFindings);
  ignored.sort(compareFindings);
  unknowns.sort(compareUnknowns);
  const failOn = options.failOn ?? report.failOn;
  const summary = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) summary[f.severity]++;
  const checks: ScanResult["checks"] =
    snapshot.roots.length > 0
      ? { vulnerabilities: { state: skipped.length === 0 ? "checked" : "skipped", reasons: skipped } }
      : report.checks;
  const after: RejudgedReport = {
    ...report,
    failOn,
    passed: !findings.some((f) => atLeast(f.severity, failOn)),
    summary,
    findings,
    ignored,
    unknowns,
    checks,
    notes,
    rejudgedAt: options.asOf.toISOString(),
  };
  const oldKeys = new Set(report.findings.map(findingKey));
  const newKeys = new Set(findings.map(findingKey));
  const added = findings.filter((f) => !oldKeys.has(findingKey(f)));
  const resolved = report.findings.filter((f) => !newKeys.has(findingKey(f)));
  const changed =
    added.length > 0 ||
    resolved.length > 0 ||
    JSON.stringify([report.ignored, report.unknowns, report.checks, report.notes, report.passed]) !==
      JSON.stringify([ignored, unknowns, checks, notes, after.passed]);
  return { report: after, added, resolved, before: verdictOf(report), after: verdictOf(after), changed };
}
