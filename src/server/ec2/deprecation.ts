import type { Image } from "../store/types.js";
import { invalidParameterValue } from "./errors.js";

const MINUTE = 60_000;

/** An ISO 8601 time as the SDKs send a timestamp (seconds and fractions optional, Z or an offset). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** `years` calendar years after `from`. */
export function yearsAfter(from: Date, years: number): Date {
  const d = new Date(from.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}

/**
 * EnableImageDeprecation's DeprecateAt (model doc): seconds are rounded to the nearest minute; not
 * in the past; at most 10 years from now. Checked as the parameter's own value (InvalidParameterValue;
 * EC2's messages for these refusals are unconfirmed).
 */
export function deprecateAt(value: string, now: Date): Date {
  const ms = ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw invalidParameterValue(
      `Value (${value}) for parameter deprecateAt is invalid. Expected a date and time such as 2030-01-01T00:00:00Z.`,
    );
  const at = new Date(Math.round(ms / MINUTE) * MINUTE);
  if (at.getTime() <= now.getTime())
    throw invalidParameterValue(`The deprecation time ${at.toISOString()} is in the past.`);
  if (at > yearsAfter(now, 10))
    throw invalidParameterValue(`The deprecation time ${at.toISOString()} is more than 10 years from now.`);
  return at;
}

/**
 * Public images are deprecated at most 2 years after their creation (EC2 UG "Deprecate an AMI": the
 * default for every public AMI, and its upper limit).
 */
export function publicDeprecationLimit(image: Image): Date {
  return yearsAfter(new Date(image.creationDate), 2);
}

/** Deprecated: its deprecation time has come. */
export function isDeprecated(image: Image, now: Date): boolean {
  return image.deprecationTime !== undefined && image.deprecationTime <= now.toISOString();
}
