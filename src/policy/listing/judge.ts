/**
 * The statement clauses judged: listing checks over a listing and the scan's evidence,
 * registration checks over the registered attributes, attestation items with their answers. What
 * was not provided stays said as such ("listing-not-provided", "attributes-not-provided",
 * "needs-statement"), so a report never passes off an unjudged clause as judged.
 */
import { ATTESTATIONS } from "../coverage.js";
import type { AttestationItem, MetadataCheck, ScanResult } from "../result.js";
import type { AttestationAnswers } from "./attestations.js";
import {
  type ListingEvidence,
  type Registration,
  runListingCheck,
  runRegistrationCheck,
  type StatementCheck,
} from "./check.js";
import { LISTING_CHECKS, REGISTRATION_CHECKS } from "./checks/index.js";
import type { Listing } from "./listing.js";

/** What the publisher stated about one image version; each part is optional. */
export interface Statements {
  listing?: Listing;
  registration?: Registration;
  answers?: AttestationAnswers;
}

export interface JudgedStatements {
  metadataChecks: MetadataCheck[];
  attestations: AttestationItem[];
}

/** The scan's evidence a listing answers for: its findings and its listing facts. */
export function evidenceOf(report: ScanResult | undefined): ListingEvidence {
  if (!report) return { findings: [] };
  return { findings: report.findings, ...(report.listingFacts ? { facts: report.listingFacts } : {}) };
}

function judged(check: StatementCheck, findings: MetadataCheck["findings"] & object): MetadataCheck {
  return {
    id: check.id,
    clauses: [...check.clauses],
    check: check.requirement,
    judgedBy: check.judgedBy,
    // A check's info-level notes do not fail it.
    status: findings.some((f) => f.severity !== "info") ? "failed" : "passed",
    ...(findings.length > 0 ? { findings } : {}),
  };
}

export function judgeStatements(statements: Statements, evidence: ListingEvidence): JudgedStatements {
  const { listing, registration, answers } = statements;
  const metadataChecks: MetadataCheck[] = [
    ...LISTING_CHECKS.map(
      (c): MetadataCheck =>
        listing
          ? judged(c, runListingCheck(c, { listing, evidence }))
          : {
              id: c.id,
              clauses: [...c.clauses],
              check: c.requirement,
              judgedBy: "listing",
              status: "listing-not-provided",
            },
    ),
    ...REGISTRATION_CHECKS.map(
      (c): MetadataCheck =>
        registration
          ? judged(c, runRegistrationCheck(c, registration))
          : {
              id: c.id,
              clauses: [...c.clauses],
              check: c.requirement,
              judgedBy: "image-attributes",
              status: "attributes-not-provided",
            },
    ),
  ];
  const attestations = ATTESTATIONS.map((a): AttestationItem => {
    const answer = answers?.get(a.id);
    return answer
      ? { ...a, clauses: [...a.clauses], status: "answered", answer: { ...answer } }
      : { ...a, clauses: [...a.clauses], status: "needs-statement" };
  });
  return { metadataChecks, attestations };
}

/** A report with its statement clauses judged from what was stated (the findings stay the scan's). */
export function withStatements(report: ScanResult, statements: Statements): ScanResult {
  return { ...report, ...judgeStatements(statements, evidenceOf(report)) };
}
