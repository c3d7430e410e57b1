import type { FactName } from "../inspect/facts.js";
import type { OpenedTarget } from "../target/target.js";
import type { Finding } from "./result.js";
import { findingOf, type Rule } from "./rule.js";

/** A finding about the target itself (OpenedTarget.findings): a rule id and what it says. */
export type TargetFinding = NonNullable<OpenedTarget["findings"]>[number];

/**
 * The target's own findings as report findings, each with its rule's title, clauses, severity
 * and remediation, at `root` ("/": they belong to no OS root). Only rules in `rules` report: a
 * rule left out of the scan (or an unknown id) drops its findings, as it would for a root's.
 */
export function targetFindings(
  findings: readonly TargetFinding[] | undefined,
  rules: ReadonlyArray<Rule<FactName>>,
  root = "/",
): Finding[] {
  const out: Finding[] = [];
  for (const draft of findings ?? []) {
    const rule = rules.find((r) => r.id === draft.rule);
    if (!rule) continue;
    // A target finding carries no severity of its own: the rule's applies.
    out.push(findingOf(rule, draft, root));
  }
  return out;
}
