import { CLAUSES } from "./clauses.js";
import { ATTESTATIONS, CATALOGUE_BEHAVIOURS, METADATA_CHECKS } from "./coverage.js";
import { rules } from "./rules/index.js";

export interface ClauseCoverage {
  clause: string;
  text: string;
  coveredBy: Array<{ kind: "rule" | "metadata" | "attestation" | "catalogue"; id: string; title: string }>;
}

/** For every clause of CLAUSES.md: the rules, metadata checks, attestation items and catalogue behaviours that cover it. */
export function clauseCoverage(): ClauseCoverage[] {
  return CLAUSES.map((clause) => ({
    clause: clause.id,
    text: clause.text,
    coveredBy: [
      ...rules
        .filter((r) => r.clauses.includes(clause.id))
        .map((r) => ({ kind: "rule" as const, id: r.id, title: r.title })),
      ...METADATA_CHECKS.filter((m) => m.clauses.includes(clause.id)).map((m) => ({
        kind: "metadata" as const,
        id: m.id,
        title: m.check,
      })),
      ...ATTESTATIONS.filter((a) => a.clauses.includes(clause.id)).map((a) => ({
        kind: "attestation" as const,
        id: a.id,
        title: a.statement,
      })),
      ...CATALOGUE_BEHAVIOURS.filter((b) => b.clauses.includes(clause.id)).map((b) => ({
        kind: "catalogue" as const,
        id: b.clauses.join(","),
        title: b.where,
      })),
    ],
  }));
}
