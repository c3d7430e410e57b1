import { LISTING_CHECKS, REGISTRATION_CHECKS } from "./listing/checks/index.js";
import type { AttestationItem, MetadataCheck } from "./result.js";

/**
 * Clauses judged outside the image bytes. Attestation items are questions only the publisher can
 * answer; metadata checks are judged from the listing or from the image's registered attributes
 * (`amigate serve` judges the latter when an image is registered).
 */
export const ATTESTATIONS: readonly Omit<AttestationItem, "status" | "answer">[] = [
  {
    id: "attest-admin-password-prompt",
    clauses: ["ACC-3"],
    statement:
      "Any application admin password is randomized per instance (e.g. the instance ID) and the admin is prompted to set their own before first use.",
  },
  {
    id: "attest-no-seller-access",
    clauses: ["ACC-4"],
    statement:
      "You (the seller) have no access to running customer instances; any outside access is off by default.",
  },
  {
    id: "attest-customer-data-consent",
    clauses: ["CUS-1"],
    statement:
      "The product collects or exports no customer data without the customer's knowledge and express consent (BYOL usage reporting excepted).",
  },
  {
    id: "attest-self-service-collection",
    clauses: ["CUS-2"],
    statement:
      "Any data collection is self-service, automated and secure, and needs no seller approval to deploy.",
  },
  {
    id: "attest-no-payment-information",
    clauses: ["CUS-4"],
    statement: "The product collects no payment information.",
  },
  {
    id: "attest-no-restrictions",
    clauses: ["USE-1"],
    statement:
      "The product is not restricted by time, number of users or similar, and is not a beta or trial-only product.",
  },
  {
    id: "attest-no-required-user-data",
    clauses: ["USE-2"],
    statement:
      "The product works with Launch from Website / CloudFormation delivery and needs no user data at launch.",
  },
  {
    id: "attest-self-service-deployment",
    clauses: ["USE-3"],
    statement: "Deployment is self-service and needs no extra payment method or cost.",
  },
  {
    id: "attest-fulfillment-in-marketplace",
    clauses: ["USE-5"],
    statement: "Fulfillment does not require leaving AWS Marketplace (BYOL excepted).",
  },
  {
    id: "attest-region-agnostic",
    clauses: ["ARC-7"],
    statement: "One build runs in every region; nothing in the image is tied to one region.",
  },
  {
    id: "attest-tested-before-release",
    clauses: ["SHR-5"],
    statement: "The image was launched and tested after the final cleanup, before release.",
  },
];

/**
 * The clauses judged from the listing or the registered attributes: one entry per listing or
 * registration check (policy/listing/checks/), each with what passing means.
 */
export const METADATA_CHECKS: readonly Omit<MetadataCheck, "status">[] = [
  ...LISTING_CHECKS,
  ...REGISTRATION_CHECKS,
].map((c) => ({ id: c.id, clauses: [...c.clauses], check: c.requirement, judgedBy: c.judgedBy }));

/**
 * Sharing behaviours (PRM-*, FND-*, PUB-2) are not rules over an image: `amigate serve`
 * implements them. Listed so `amigate policy` can say where each clause is handled.
 */
export const CATALOGUE_BEHAVIOURS: ReadonlyArray<{ clauses: string[]; where: string }> = [
  {
    clauses: ["PRM-1", "PRM-2", "PRM-3", "PRM-4", "PRM-5", "PRM-6"],
    where:
      "amigate serve: ModifyImageAttribute / DescribeImageAttribute / ResetImageAttribute (launchPermission)",
  },
  { clauses: ["PRM-7"], where: "amigate serve: audit log records which account pulled (launched) an image" },
  {
    clauses: ["FND-1", "FND-2"],
    where: "amigate serve: DescribeImages with ExecutableBy / Owner and the reserved owner aliases",
  },
  {
    clauses: ["PUB-2"],
    where: "amigate serve: every image's scan report is served to accounts that can see it",
  },
];

/**
 * The attestation items and metadata checks as a report lists them before anything was stated
 * (fresh copies): no answers, no listing, no registration. policy/listing/judge.ts fills them in.
 */
export function reportStatements(): { attestations: AttestationItem[]; metadataChecks: MetadataCheck[] } {
  return {
    attestations: ATTESTATIONS.map((a) => ({ ...a, clauses: [...a.clauses], status: "needs-statement" })),
    metadataChecks: METADATA_CHECKS.map((m) => ({
      ...m,
      clauses: [...m.clauses],
      status: m.judgedBy === "listing" ? "listing-not-provided" : "attributes-not-provided",
    })),
  };
}
