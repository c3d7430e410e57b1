import type { FactName, Facts } from "../inspect/facts.js";
import type { Finding } from "./result.js";
import type { Severity } from "./severity.js";

/** What a rule's check reports: where, what, and the offending value with secrets masked. */
export interface FindingDraft {
  /** Path inside the image (absolute), when the finding is about a file. */
  path?: string;
  /** 1-based line in that file, when known. */
  line?: number;
  message: string;
  /** The offending value as found, with any secret masked (see maskSecret). */
  evidence?: string;
  /** Overrides the rule's severity for this finding (e.g. a warning-level variant). */
  severity?: Severity;
}

export interface RuleMeta {
  /** Stable, kebab-case: "ssh-password-auth". Used in ignore files and SARIF. */
  id: string;
  title: string;
  /** Clause IDs from CLAUSES.md this rule enforces. */
  clauses: readonly string[];
  severity: Severity;
  description: string;
  remediation: string;
  /** Id of the `amigate fix` operation that remedies it, if any. */
  fix?: string;
}

export interface Rule<K extends FactName = FactName> extends RuleMeta {
  /** The facts the check reads; the engine computes each once per image. */
  facts: readonly K[];
  check(facts: Pick<Facts, K>): FindingDraft[];
}

/** Identity function that keeps the fact names of a rule precise for its `check`. */
export function defineRule<const K extends FactName>(rule: Rule<K>): Rule<K> {
  return rule;
}

/**
 * Masks a secret for reports: keeps a short prefix that identifies the kind ("AKIA", "$6$")
 * and its length, never enough to use it.
 */
export function maskSecret(value: string, keep = 4): string {
  if (value.length <= keep) return "*".repeat(value.length);
  return `${value.slice(0, keep)}${"*".repeat(Math.min(12, value.length - keep))} (${value.length} chars)`;
}

/** A rule's finding from one of its drafts: the rule's id, title, clauses, severity and remediation. */
export function findingOf(rule: RuleMeta, draft: FindingDraft, root: string): Finding {
  return {
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
    root,
  };
}
