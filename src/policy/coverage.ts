import type { AttestationItem, MetadataCheck } from "./result.js";

/**
 * Clauses judged outside the image bytes. Attestation items are questions only the publisher can
 * answer; metadata checks are judged from the listing or from the image's registered attributes
 * (`amigate serve` judges the latter when an image is registered).
 */
export const ATTESTATIONS: readonly Omit<AttestationItem, "status">[] = [
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

export const METADATA_CHECKS: readonly Omit<MetadataCheck, "status">[] = [
  {
    id: "meta-iam-role-instructions",
    clauses: ["SEC-5", "SEC-6"],
    check:
      "Usage instructions use an IAM role (via CloudFormation) with minimal privileges and never ask for access keys.",
    judgedBy: "listing",
  },
  {
    id: "meta-data-collection-disclosed",
    clauses: ["CUS-3"],
    check: "The listing states what data is collected, where it is stored and how it is used.",
    judgedBy: "listing",
  },
  {
    id: "meta-no-trial-wording",
    clauses: ["USE-1"],
    check: "The listing does not describe a beta, trial or time-limited product.",
    judgedBy: "listing",
  },
  {
    id: "meta-dependencies-disclosed",
    clauses: ["USE-4"],
    check: "External dependencies at deployment are listed, available, secure and free.",
    judgedBy: "listing",
  },
  {
    id: "meta-connections-disclosed",
    clauses: ["USE-6"],
    check: "Ongoing connections to external resources are disclosed.",
    judgedBy: "listing",
  },
  {
    id: "meta-no-redirects",
    clauses: ["USE-7"],
    check: "Listing text does not redirect users to other cloud platforms, products or upsells.",
    judgedBy: "listing",
  },
  {
    id: "meta-add-on-wording",
    clauses: ["USE-8"],
    check: "An add-on product says so in its description with the required wording.",
    judgedBy: "listing",
  },
  {
    id: "meta-source-region",
    clauses: ["ARC-1"],
    check: "The source AMI is in US East (N. Virginia), us-east-1.",
    judgedBy: "image-attributes",
  },
  {
    id: "meta-hvm",
    clauses: ["ARC-2"],
    check: "The registered virtualization type is hvm.",
    judgedBy: "image-attributes",
  },
  {
    id: "meta-architecture",
    clauses: ["ARC-3"],
    check: "The registered architecture is x86_64 or arm64.",
    judgedBy: "image-attributes",
  },
  {
    id: "meta-ebs-backed",
    clauses: ["ARC-4"],
    check: "The root device type is ebs, not instance-store.",
    judgedBy: "image-attributes",
  },
  {
    id: "meta-unencrypted-snapshots",
    clauses: ["ARC-5"],
    check: "No block device mapping has Encrypted=true.",
    judgedBy: "image-attributes",
  },
  {
    id: "meta-usage-instructions",
    clauses: ["DOC-1"],
    check: "Usage instructions follow the AMI usage-instructions guidance.",
    judgedBy: "listing",
  },
  {
    id: "meta-listing-fields",
    clauses: ["PUB-1"],
    check:
      "The listing names the AMI ID, name, publisher, publisher URL, OS, key features, description, services and dated release notes.",
    judgedBy: "listing",
  },
];

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

/** The attestation items and metadata checks as every report lists them (fresh copies). */
export function reportStatements(): { attestations: AttestationItem[]; metadataChecks: MetadataCheck[] } {
  return {
    attestations: ATTESTATIONS.map((a) => ({ ...a, clauses: [...a.clauses], status: "needs-statement" })),
    metadataChecks: METADATA_CHECKS.map((m) => ({
      ...m,
      clauses: [...m.clauses],
      status: "not-judged-from-image",
    })),
  };
}
