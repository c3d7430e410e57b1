/**
 * Listing and registration checks: the clauses judged from what a publisher says (the listing) or
 * registers (the image's EC2 attributes), not from the image bytes. Each is a rule in all but its
 * input: the same metadata (id, clauses, severity, messages by id), a pure check returning drafts,
 * and findings of the one Finding shape (findingOf), so every writer renders them like any rule's.
 */
import type { Finding } from "../result.js";
import { type FindingDraft, findingOf, type RuleMeta } from "../rule.js";
import type { ListingFacts } from "./facts.js";
import type { Listing } from "./listing.js";

/** What the image scan said that a listing must answer for. */
export interface ListingEvidence {
  /** The scan's findings (first-boot downloads, scheduled connections, telemetry…), if scanned. */
  findings: readonly Finding[];
  /** The scan's listing facts, if the report has them. */
  facts?: ListingFacts;
}

export interface ListingInput {
  listing: Listing;
  evidence: ListingEvidence;
}

/** The registered attributes the architecture clauses judge (EC2's names). */
export interface Registration {
  /** The Region the image is registered in (the catalogue's --region). */
  region: string;
  architecture: string;
  virtualizationType: string;
  rootDeviceType: string;
  blockDeviceMappings: ReadonlyArray<{ deviceName?: string; ebs?: { encrypted?: boolean } }>;
}

interface CheckMeta<M extends string> extends RuleMeta<M> {
  /** What passing means, in one sentence (the report's list of statement checks). */
  requirement: string;
  messages: Readonly<Record<M, string>>;
}

export interface ListingCheck<M extends string = string> extends CheckMeta<M> {
  judgedBy: "listing";
  check(input: ListingInput): Array<FindingDraft<NoInfer<M>>>;
}

export interface RegistrationCheck<M extends string = string> extends CheckMeta<M> {
  judgedBy: "image-attributes";
  check(registration: Registration): Array<FindingDraft<NoInfer<M>>>;
}

export type StatementCheck = ListingCheck | RegistrationCheck;

export function defineListingCheck<const M extends string>(
  check: Omit<ListingCheck<M>, "judgedBy">,
): ListingCheck<M> {
  return { ...check, judgedBy: "listing" };
}

export function defineRegistrationCheck<const M extends string>(
  check: Omit<RegistrationCheck<M>, "judgedBy">,
): RegistrationCheck<M> {
  return { ...check, judgedBy: "image-attributes" };
}

/**
 * Findings of statement checks are about no file of the image: their root says what was judged
 * ("listing" or "registration"), and a listing finding's data names the field.
 */
export const LISTING_ROOT = "listing";
export const REGISTRATION_ROOT = "registration";

export function runListingCheck(check: ListingCheck, input: ListingInput): Finding[] {
  return check.check(input).map((d) => findingOf(check, d, LISTING_ROOT));
}

export function runRegistrationCheck(check: RegistrationCheck, registration: Registration): Finding[] {
  return check.check(registration).map((d) => findingOf(check, d, REGISTRATION_ROOT));
}

/** The text fields of a listing people write prose in, by field name, for wording checks. */
export function proseFields(listing: Listing): Array<[field: string, text: string]> {
  return [
    ["name", listing.name],
    ["description", listing.description],
    ...listing.keyFeatures.map((f, i): [string, string] => [`keyFeatures[${i}]`, f]),
    ["usageInstructions", listing.usageInstructions],
    ...listing.releaseNotes.notes.map((n, i): [string, string] => [`releaseNotes.notes[${i}]`, n]),
  ];
}
