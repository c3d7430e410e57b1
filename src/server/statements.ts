/**
 * What the catalogue knows of an image version beyond its bytes, put together for the policy
 * layer: its stored listing, its registered attributes (in this catalogue's region) and the
 * answers to its attestation items. Reports served by the catalogue are judged with them, and so
 * is the submission record.
 */
import { draftListing } from "../policy/listing/draft.js";
import type { Statements } from "../policy/listing/judge.js";
import type { Listing } from "../policy/listing/listing.js";
import { buildSubmission, type ScanOutcome, type SubmissionRecord } from "../policy/listing/submission.js";
import type { ScanResult } from "../policy/result.js";
import { registrationOf } from "./gate.js";
import type { Image, Store } from "./store/types.js";

export async function statementsOf(store: Store, image: Image, region: string): Promise<Statements> {
  const [stored, answers] = [await store.listing(image.imageId), await store.attestations(image.imageId)];
  return {
    ...(stored ? { listing: stored.listing } : {}),
    registration: registrationOf(image, region),
    answers,
  };
}

/** The latest scan as the submission record reads it. */
export async function scanOutcomeOf(store: Store, imageId: string): Promise<ScanOutcome> {
  const scan = await store.latestScan(imageId);
  if (!scan) return { status: "none" };
  return {
    status: scan.status,
    ...(scan.report ? { report: JSON.parse(scan.report) as ScanResult } : {}),
    ...(scan.error ? { error: scan.error } : {}),
  };
}

export async function submissionOf(store: Store, image: Image, region: string): Promise<SubmissionRecord> {
  return buildSubmission({
    imageId: image.imageId,
    scan: await scanOutcomeOf(store, image.imageId),
    statements: await statementsOf(store, image, region),
  });
}

/** The publisher a listing names: the owner's alias (else its account id) and its profile URL. */
export async function publisherOf(store: Store, accountId: string): Promise<{ name: string; url: string }> {
  const [account, profile] = [await store.account(accountId), await store.publisher(accountId)];
  return { name: account?.alias ?? accountId, url: profile?.url ?? "" };
}

/**
 * A listing drafted for an image: from its scan, its registration and its owner, with release
 * notes from the previous version of the same product (the owner's listing on the latest earlier
 * image with that product).
 */
export async function draftFor(store: Store, image: Image): Promise<Listing> {
  const scan = await scanOutcomeOf(store, image.imageId);
  const publisher = await publisherOf(store, image.ownerId);
  const first = draftListing({
    imageId: image.imageId,
    name: image.name,
    ...(image.description ? { description: image.description } : {}),
    publisher,
    ...(scan.report ? { report: scan.report } : {}),
  });
  const previous = await store.previousListing(
    image.ownerId,
    first.product,
    image.imageId,
    image.creationDate,
  );
  if (!previous) return first;
  const previousScan = await scanOutcomeOf(store, previous.imageId);
  return draftListing({
    imageId: image.imageId,
    name: image.name,
    ...(image.description ? { description: image.description } : {}),
    publisher,
    ...(scan.report ? { report: scan.report } : {}),
    previous: { listing: previous.listing, ...(previousScan.report ? { report: previousScan.report } : {}) },
  });
}
