import type { Finding, ScanResult } from "../policy/result.js";
import type { ApplyOutcome } from "./apply/directory.js";
import { type Digest, EMPTY_DIGEST, type PlannedChange, sha256 } from "./operation.js";
import type { Plan } from "./planner.js";

/** The digest a change leaves behind: what the journal's `after` will say when it is applied. */
export function afterDigest(change: PlannedChange): Digest {
  switch (change.action) {
    case "truncate":
      return EMPTY_DIGEST;
    case "remove":
      return "absent";
    default:
      return sha256(change.content);
  }
}

const VERB: Record<PlannedChange["action"], string> = {
  truncate: "truncate",
  remove: "remove",
  replace: "edit",
  create: "create",
};

/** The plan as text: every change under its operation, edits line by line, then notices. */
export function renderPlan(plan: Plan, target: string): string {
  const out: string[] = [];
  const ops = [...new Set(plan.changes.map((c) => c.operation))];
  out.push(`Plan for ${target} (${plan.os}): ${plan.changes.length} change(s) by ${ops.length} operation(s)`);
  for (const op of plan.operations) {
    const changes = plan.changes.filter((c) => c.operation === op);
    if (changes.length === 0) continue;
    out.push(`  ${op}`);
    for (const c of changes) {
      out.push(`    ${VERB[c.action]} ${c.path} — ${c.reason}`);
      if (c.action === "replace" && c.edits)
        for (const e of c.edits)
          out.push(
            e.line === 0
              ? `        insert at line 1: ${e.new}`
              : `        line ${e.line}: ${e.old} → ${e.new}`,
          );
      if (c.action === "create")
        out.push(
          ...c.content
            .toString("utf8")
            .trimEnd()
            .split("\n")
            .map((l) => `        | ${l}`),
        );
    }
  }
  if (plan.notices.length > 0) {
    out.push("Notices:");
    for (const n of plan.notices) out.push(`  [${n.operation}] ${n.path}: ${n.message}`);
  }
  return `${out.join("\n")}\n`;
}

export function renderOutcomes(outcomes: readonly ApplyOutcome[]): string {
  const done = outcomes.filter((o) => o.status === "applied").length;
  const out = [`Applied ${done} of ${outcomes.length} change(s)`];
  for (const o of outcomes)
    if (o.status !== "applied")
      out.push(`  ${o.status.toUpperCase()} ${VERB[o.change.action]} ${o.change.path}: ${o.detail ?? ""}`);
  return `${out.join("\n")}\n`;
}

/** Why a finding is still there: which operation could have fixed it, or that only the user can. */
export function whyRemaining(
  f: Finding,
  plan: Plan,
  outcomes: readonly ApplyOutcome[],
  applied = true,
): string {
  if (!f.fix) return `only you can change that: ${f.remediation}`;
  if (!plan.operations.includes(f.fix))
    return `operation ${f.fix} was not run (not selected by --only/--skip, or not for this OS); ${f.remediation}`;
  if (!applied)
    return plan.changes.some((c) => c.operation === f.fix)
      ? `planned: operation ${f.fix} changes this with --yes`
      : `operation ${f.fix} plans no change for it; ${f.remediation}`;
  const problems = [
    ...outcomes
      .filter((o) => o.change.operation === f.fix && o.status !== "applied")
      .map((o) => `${o.change.path}: ${o.detail}`),
    ...plan.notices.filter((n) => n.operation === f.fix).map((n) => `${n.path}: ${n.message}`),
  ];
  return problems.length > 0
    ? `could not be fixed automatically (${problems.join("; ")}); ${f.remediation}`
    : `could not be fixed automatically; ${f.remediation}`;
}

export function renderRemaining(
  result: ScanResult,
  plan: Plan,
  outcomes: readonly ApplyOutcome[],
  heading: string,
  applied = true,
): string {
  if (result.findings.length === 0) return `${heading}: no findings\n`;
  const out = [
    `${heading}: ${result.findings.length} finding(s)${result.passed ? "" : ` (at or above ${result.failOn}: fails)`}`,
  ];
  for (const f of result.findings) {
    out.push(
      `  ${f.severity.toUpperCase()} ${f.rule}${f.path ? ` ${f.path}${f.line ? `:${f.line}` : ""}` : ""}: ${f.message}`,
    );
    out.push(`      ${whyRemaining(f, plan, outcomes, applied)}`);
  }
  return `${out.join("\n")}\n`;
}
