/**
 * Answers to the attestation items (policy/coverage.ts ATTESTATIONS): per image version, each item
 * answered yes (the statement is true), no, or not-applicable, with a comment, who and when. Read
 * from a YAML/JSON answers file or an API body; anything malformed is an AttestationFormatError.
 */
import { ATTESTATIONS } from "../coverage.js";
import type { AttestationAnswer, AttestationAnswerValue } from "../result.js";

export type AttestationAnswers = ReadonlyMap<string, AttestationAnswer>;

/**
 * Items whose statement has a condition ("any admin password…", "any data collection…"): only
 * these may be answered not-applicable, and the comment says why.
 */
export const MAY_NOT_APPLY: ReadonlyMap<string, string> = new Map([
  ["attest-admin-password-prompt", "the product has no application admin password"],
  ["attest-self-service-collection", "the product collects no data"],
]);

export class AttestationFormatError extends Error {
  override readonly name = "AttestationFormatError";
}

const ANSWERS: readonly AttestationAnswerValue[] = ["yes", "no", "not-applicable"];
const MAX_COMMENT = 4096;

/** A statement answered as given: what the CLI and the API accept before who and when are added. */
export interface GivenAnswer {
  id: string;
  answer: AttestationAnswerValue;
  comment?: string;
}

function answerValue(v: unknown, id: string): AttestationAnswerValue {
  // YAML 1.1 readers turn yes/no into booleans; take them as meant.
  if (v === true) return "yes";
  if (v === false) return "no";
  if (typeof v === "string") {
    const s = v.trim().toLowerCase().replace(/[ _]/g, "-");
    if (s === "n/a" || s === "na") return "not-applicable";
    if ((ANSWERS as readonly string[]).includes(s)) return s as AttestationAnswerValue;
  }
  throw new AttestationFormatError(`${id}: the answer must be yes, no or not-applicable`);
}

/** Checks one answer against its item: a known id, not-applicable only where it may be, a reason for no/n-a. */
export function checkAnswer(id: string, answerIn: unknown, commentIn: unknown): GivenAnswer {
  if (!ATTESTATIONS.some((a) => a.id === id))
    throw new AttestationFormatError(
      `${id}: no such attestation item (known: ${ATTESTATIONS.map((a) => a.id).join(", ")})`,
    );
  const answer = answerValue(answerIn, id);
  if (commentIn !== undefined && commentIn !== null && typeof commentIn !== "string")
    throw new AttestationFormatError(`${id}: the comment must be text`);
  const comment = typeof commentIn === "string" ? commentIn.trim() : "";
  if (comment.length > MAX_COMMENT)
    throw new AttestationFormatError(`${id}: the comment is longer than ${MAX_COMMENT} characters`);
  if (answer === "not-applicable" && !MAY_NOT_APPLY.has(id))
    throw new AttestationFormatError(`${id}: this statement applies to every product; answer yes or no`);
  if (answer !== "yes" && comment === "")
    throw new AttestationFormatError(
      `${id}: say why in a comment when the answer is ${answer}${answer === "not-applicable" ? ` (e.g. ${MAY_NOT_APPLY.get(id)})` : ""}`,
    );
  return { id, answer, ...(comment !== "" ? { comment } : {}) };
}

/**
 * Answers as written: a list of {id, answer, comment} or a mapping id → answer or
 * {answer, comment}. Each item at most once.
 */
export function parseGivenAnswers(doc: unknown): GivenAnswer[] {
  const list: Array<{ id: unknown; answer: unknown; comment?: unknown }> = [];
  const items = doc !== null && typeof doc === "object" && "answers" in doc ? doc.answers : doc;
  if (Array.isArray(items)) {
    for (const item of items) {
      if (item === null || typeof item !== "object")
        throw new AttestationFormatError("each answer is {id, answer, comment}");
      const e = item as Record<string, unknown>;
      list.push({ id: e.id, answer: e.answer, comment: e.comment });
    }
  } else if (items !== null && typeof items === "object") {
    for (const [id, v] of Object.entries(items as Record<string, unknown>)) {
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        const e = v as Record<string, unknown>;
        list.push({ id, answer: e.answer, comment: e.comment });
      } else list.push({ id, answer: v });
    }
  } else if (items !== undefined && items !== null)
    throw new AttestationFormatError("expected a list of answers or a mapping of item id to answer");
  if (list.length > ATTESTATIONS.length * 4) throw new AttestationFormatError("too many answers");
  const seen = new Set<string>();
  return list.map((e) => {
    if (typeof e.id !== "string") throw new AttestationFormatError("an answer has no item id");
    if (seen.has(e.id)) throw new AttestationFormatError(`${e.id}: answered twice`);
    seen.add(e.id);
    return checkAnswer(e.id, e.answer, e.comment);
  });
}

/**
 * A stored answers file (`amigate attest` writes it): {imageId?, answers: [{id, answer, comment?,
 * by, at}]}. Who and when are kept as written.
 */
export function parseAnswersFile(doc: unknown): Map<string, AttestationAnswer> {
  const out = new Map<string, AttestationAnswer>();
  const given = parseGivenAnswers(doc);
  const raw = (doc !== null && typeof doc === "object" && "answers" in doc ? doc.answers : doc) as unknown;
  const extra = new Map<string, { by?: unknown; at?: unknown }>();
  if (Array.isArray(raw))
    for (const e of raw as Array<Record<string, unknown>>) extra.set(String(e.id), { by: e.by, at: e.at });
  for (const g of given) {
    const { by, at } = extra.get(g.id) ?? {};
    out.set(g.id, {
      answer: g.answer,
      ...(g.comment !== undefined ? { comment: g.comment } : {}),
      by: typeof by === "string" && by !== "" ? by.slice(0, 256) : "unknown",
      at: typeof at === "string" && !Number.isNaN(Date.parse(at)) ? at : new Date(0).toISOString(),
    });
  }
  return out;
}

/** The answers file's form: every answered item in the items' order. */
export function answersFileOf(answers: AttestationAnswers, imageId?: string): Record<string, unknown> {
  return {
    ...(imageId ? { imageId } : {}),
    answers: ATTESTATIONS.filter((a) => answers.has(a.id)).map((a) => ({ id: a.id, ...answers.get(a.id) })),
  };
}
