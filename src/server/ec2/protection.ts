import type { Image } from "../store/types.js";

/** WithCooldown: protection lasts this long after it is disabled (model EnableImageDeregistrationProtection doc). */
export const PROTECTION_COOLDOWN_MS = 24 * 3_600_000;

/**
 * DescribeImages' deregistrationProtection: "enabled-with-cooldown" / "enabled-without-cooldown"
 * (the AWS CLI's examples), "disabled", or "disabled-until <time>" while a cooldown runs (our
 * rendering: EC2's value during the cooldown is unconfirmed).
 */
export function protectionOf(image: Image, now: Date): string {
  if (image.deregistrationProtection) return image.deregistrationProtection;
  const until = image.deregistrationProtectedUntil;
  return until !== undefined && until > now.toISOString() ? `disabled-until ${until}` : "disabled";
}
