import { isArchiveMember } from "../inspect/archive-formats.js";
import type { FactName, Facts } from "../inspect/facts.js";
import type { Finding } from "./result.js";
import type { Severity } from "./severity.js";

/**
 * Values a message template's `{{name}}` placeholders are filled from; an undefined value is no
 * value (so branches may share one object shape). Never a secret: see evidence.
 */
export type MessageData = Readonly<Record<string, string | number | undefined>>;

/**
 * What a rule's check reports: where, which of the rule's messages with what data (ESLint's
 * messageId and data), and the offending value with secrets masked.
 */
export interface FindingDraft<M extends string = string> {
  /** Path inside the image (absolute), when the finding is about a file. */
  path?: string;
  /** 1-based line in that file, when known. */
  line?: number;
  /** A key of the rule's `messages`. */
  messageId: M;
  data?: MessageData;
  /** The offending value as found, with any secret masked (see maskSecret). */
  evidence?: string;
  /** Overrides the rule's severity for this finding (e.g. a warning-level variant). */
  severity?: Severity;
  /**
   * False when the rule's fix operation does not change what this finding is about (an
   * AuthorizedKeysCommand, a Credential Manager blob): the report then calls it not fixable, so
   * "fixable" always means `amigate fix` plans its change (src/fix/parity.test.ts holds it).
   */
  fixable?: false;
}

export interface RuleMeta<M extends string = string> {
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
  /**
   * What its findings say, by message id: templates with `{{name}}` placeholders filled from a
   * finding's data. Reports render them; SARIF carries them as the rule's messageStrings.
   */
  messages: Readonly<Record<M, string>>;
}

export interface Rule<K extends FactName = FactName, M extends string = string> extends RuleMeta<M> {
  /** The facts the check reads; the engine computes each once per image. */
  facts: readonly K[];
  check(facts: Pick<Facts, K>): Array<FindingDraft<NoInfer<M>>>;
}

/**
 * Identity function that keeps a rule's fact names precise for its `check`, and its message ids:
 * a draft naming an id its `messages` lacks is a type error.
 */
export function defineRule<const K extends FactName, const M extends string>(rule: Rule<K, M>): Rule<K, M> {
  return rule;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_$][\w$]*)\s*\}\}/g;

/**
 * A message template with its `{{name}}` placeholders filled from data. A placeholder without a
 * value stays as written, so the slip shows in the text and RuleTester fails on it, rather than
 * aborting a user's scan.
 */
export function renderMessage(template: string, data: MessageData = {}): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(data, name) && data[name] !== undefined ? String(data[name]) : whole,
  );
}

/** The placeholder names of a template, each once, in order of first appearance (SARIF's {0}, {1}…). */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** A draft's message id names no message of its rule: a programming error, kept out by the types and tests. */
export class UnknownMessageIdError extends Error {
  constructor(
    readonly rule: string,
    readonly messageId: string,
  ) {
    super(`rule ${rule} has no message ${JSON.stringify(messageId)}`);
    this.name = "UnknownMessageIdError";
  }
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
    ...said(rule, draft),
    ...(draft.path !== undefined ? { path: draft.path } : {}),
    ...(draft.line !== undefined ? { line: draft.line } : {}),
    ...(draft.evidence !== undefined ? { evidence: draft.evidence } : {}),
    remediation: rule.remediation,
    fixable: fixableDraft(rule, draft),
    ...(fixableDraft(rule, draft) ? { fix: rule.fix } : {}),
    root,
  };
}

/** Whether `amigate fix` remedies the draft: its rule names a fix, and no fix edits an archive's members. */
function fixableDraft(rule: RuleMeta, draft: FindingDraft): boolean {
  return rule.fix !== undefined && draft.fixable !== false && !isArchiveMember(draft.path);
}

/** A draft's message id, data and rendered text. */
function said(rule: RuleMeta, draft: FindingDraft): Pick<Finding, "messageId" | "message" | "data"> {
  const data: Finding["data"] = {};
  for (const [name, value] of Object.entries(draft.data ?? {})) if (value !== undefined) data[name] = value;
  return { messageId: draft.messageId, message: messageOf(rule, draft), data };
}

/** A draft's text: its rule's message rendered with the draft's data. */
export function messageOf(rule: RuleMeta, draft: FindingDraft): string {
  const template = rule.messages[draft.messageId];
  if (template === undefined) throw new UnknownMessageIdError(rule.id, draft.messageId);
  return renderMessage(template, draft.data);
}
