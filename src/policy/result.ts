import type { Unknown } from "../inspect/context.js";
import type { ListingFacts } from "./listing/facts.js";
import type { Severity } from "./severity.js";

/**
 * The scan's result: the one record every report writer renders. Its JSON form is the documented,
 * stable contract of `amigate scan --format json` (docs/report-json.md); add fields, never rename.
 */
export interface Finding {
  rule: string;
  title: string;
  clauses: string[];
  severity: Severity;
  /** Which of the rule's messages this is (RuleSummary.messages); stable, like the rule id. */
  messageId: string;
  /** The message rendered with `data`: what every writer shows. */
  message: string;
  /** The values of the message's placeholders; never a secret (that is `evidence`, masked). */
  data: Record<string, string | number>;
  /** Path inside the image, when the finding is about a file. */
  path?: string;
  line?: number;
  /** The offending value, secrets masked. */
  evidence?: string;
  remediation: string;
  /** Whether `amigate fix` can remedy it, and with which operation. */
  fixable: boolean;
  fix?: string;
  /** Which OS root of the target the finding is in ("/" for single-root targets). */
  root: string;
}

export interface IgnoredFinding extends Finding {
  ignoreReason: string;
}

export type AttestationAnswerValue = "yes" | "no" | "not-applicable";

/** A publisher's answer to an attestation item: what, why, who and when. */
export interface AttestationAnswer {
  answer: AttestationAnswerValue;
  comment?: string;
  /** Who answered: an account id (the catalogue) or a name (a local answers file). */
  by: string;
  /** ISO 8601. */
  at: string;
}

/**
 * A clause only the publisher can state: "needs-statement" until answered (amigate attest), then
 * "answered" with the answer.
 */
export interface AttestationItem {
  id: string;
  clauses: string[];
  statement: string;
  status: "needs-statement" | "answered";
  answer?: AttestationAnswer;
}

/**
 * A clause judged from the listing or the registered image attributes, not the image bytes:
 * "passed" or "failed" (its findings) when there was a listing / a registration to judge, else
 * "listing-not-provided" / "attributes-not-provided".
 */
export interface MetadataCheck {
  id: string;
  clauses: string[];
  check: string;
  judgedBy: "listing" | "image-attributes";
  status: "passed" | "failed" | "listing-not-provided" | "attributes-not-provided";
  /** What failed, as findings of the check (status "failed"). */
  findings?: Finding[];
}

export interface RuleSummary {
  id: string;
  title: string;
  clauses: string[];
  severity: Severity;
  description: string;
  remediation: string;
  /** The `amigate fix` operation that remedies it, if any. */
  fix?: string;
  /** Its message templates by message id, `{{name}}` placeholders filled from a finding's data. */
  messages: Record<string, string>;
}

export interface OsSummary {
  id?: string;
  name?: string;
  version?: string;
  prettyName?: string;
}

export interface ScanChecks {
  /**
   * "checked": every root's installed packages were matched against a vulnerability database;
   * "skipped": at least one was not (no database, an empty or unreadable one, no advisory source
   * for the OS, no package database in the image), each said in `reasons`.
   */
  vulnerabilities: { state: "checked" | "skipped"; reasons: string[] };
}

export interface ScanResult {
  schemaVersion: 1;
  tool: { name: "amigate"; version: string };
  target: { input: string; kind: string; description: string; notes: string[] };
  scannedAt: string;
  /**
   * Set when the catalogue judged the report again from the scan's facts (server re-judging): the
   * ISO date end of life and vulnerabilities were judged on, after scannedAt.
   */
  rejudgedAt?: string;
  roots: Array<{ root: string; os: OsSummary }>;
  failOn: Severity;
  /** True when no finding is at or above failOn. */
  passed: boolean;
  summary: Record<Severity, number>;
  findings: Finding[];
  ignored: IgnoredFinding[];
  attestations: AttestationItem[];
  metadataChecks: MetadataCheck[];
  unknowns: Unknown[];
  /** Which checks ran in full. A gate that needs vulnerability matching reads it here, not in the notes. */
  checks: ScanChecks;
  /** What the scan could not check and how to check it (e.g. no vulnerability database). */
  notes: string[];
  /** Every rule the scan ran (SARIF's rule table, JUnit's test cases). */
  rules: RuleSummary[];
  /** What the image tells its listing (OS, architecture, services, ports, packages). */
  listingFacts?: ListingFacts;
  /**
   * Present when the report shows only these severities (`--severity`): findings, ignored
   * findings, summary and verdict are those of the severities kept.
   */
  severityFilter?: Severity[];
}
