/** Every listing and registration check, in explicit lists (listing checks sorted by id). */
import type { ListingCheck, RegistrationCheck } from "../check.js";
import addOnWording from "./add-on-wording.js";
import connectionsDisclosed from "./connections-disclosed.js";
import dataCollectionDisclosed from "./data-collection-disclosed.js";
import dependenciesDisclosed from "./dependencies-disclosed.js";
import iamRoleInstructions from "./iam-role-instructions.js";
import listingFields from "./listing-fields.js";
import noRedirects from "./no-redirects.js";
import noTrialWording from "./no-trial-wording.js";
import { architecture, ebsBacked, hvm, sourceRegion, unencryptedSnapshots } from "./registration.js";
import usageInstructions from "./usage-instructions.js";

export const LISTING_CHECKS: readonly ListingCheck[] = [
  addOnWording,
  connectionsDisclosed,
  dataCollectionDisclosed,
  dependenciesDisclosed,
  iamRoleInstructions,
  listingFields,
  noRedirects,
  noTrialWording,
  usageInstructions,
];

/** In clause order, ARC-1..5, as the gate names them in a refusal. */
export const REGISTRATION_CHECKS: readonly RegistrationCheck[] = [
  sourceRegion,
  hvm,
  architecture,
  ebsBacked,
  unencryptedSnapshots,
];
