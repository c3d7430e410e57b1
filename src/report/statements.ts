/**
 * The statement clauses as every writer shows them: each attestation item with its answer (or
 * "needs your statement"), each listing or registration check with its status and findings.
 */
import type { AttestationItem, MetadataCheck } from "../policy/result.js";
import { htmlEscape as h } from "./html-escape.js";

/** "passed", "failed", "listing not provided"… (reports before listings said not-judged-from-image). */
export function checkStatus(m: MetadataCheck): string {
  switch (m.status) {
    case "passed":
      return "passed";
    case "failed":
      return "FAILED";
    case "listing-not-provided":
      return "listing not provided";
    case "attributes-not-provided":
      return "attributes not provided";
    default:
      return "not judged";
  }
}

export function judgedFrom(m: MetadataCheck): string {
  return m.judgedBy === "listing" ? "listing" : "registered image attributes";
}

/** "answered yes by 111122223333 on 2026-03-01: comment", or "needs your statement". */
export function answerText(a: AttestationItem): string {
  if (!a.answer) return "needs your statement";
  const { answer, by, at, comment } = a.answer;
  return `answered ${answer} by ${by} on ${at.slice(0, 10)}${comment ? `: ${comment}` : ""}`;
}

/** Items still to answer, and answers that are no (both block a submission). */
export function statementCounts(attestations: readonly AttestationItem[]): {
  answered: number;
  unanswered: number;
  no: number;
} {
  const answered = attestations.filter((a) => a.answer !== undefined);
  return {
    answered: answered.length,
    unanswered: attestations.length - answered.length,
    no: answered.filter((a) => a.answer!.answer === "no").length,
  };
}

const clauses = (ids: readonly string[]) => `<span class="clauses">${h(ids.join(", "))}</span>`;

/** The two sections of the HTML report and of the submission record. */
export function statementsHtml(
  attestations: readonly AttestationItem[],
  checks: readonly MetadataCheck[],
): string {
  const parts: string[] = [];
  const { answered } = statementCounts(attestations);
  parts.push(
    answered === 0
      ? `<h2>Needs your statement (${attestations.length})</h2><ul>`
      : `<h2>Publisher statements (${attestations.length}, ${answered} answered)</h2><ul>`,
  );
  for (const a of attestations) {
    const cls = !a.answer ? "muted" : a.answer.answer === "no" ? "high" : "pass-text";
    parts.push(
      `<li><code>${h(a.id)}</code> ${clauses(a.clauses)}<br>${h(a.statement)}<br><span class="${cls}">${h(answerText(a))}</span></li>`,
    );
  }
  parts.push(`</ul><h2>Judged from listing/registration (${checks.length})</h2><ul>`);
  for (const m of checks) {
    const cls = m.status === "failed" ? "high" : m.status === "passed" ? "pass-text" : "muted";
    parts.push(
      `<li><code>${h(m.id)}</code> ${clauses(m.clauses)} <span class="muted">from the ${judgedFrom(m)}</span> ` +
        `<span class="${cls}">${h(checkStatus(m))}</span><br>${h(m.check)}` +
        (m.findings && m.findings.length > 0
          ? `<ul>${m.findings.map((f) => `<li><span class="sev ${f.severity}">${f.severity}</span> ${h(f.message)}</li>`).join("")}</ul>`
          : "") +
        "</li>",
    );
  }
  parts.push("</ul>");
  return parts.join("\n");
}
