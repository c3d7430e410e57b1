import { randomBytes, randomInt, randomUUID } from "node:crypto";

/** EC2 image ids: "ami-" and 17 lower-case hex digits. */
export const IMAGE_ID = /^ami-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;
/** Account ids are 12 digits, no hyphens (PRM-5). */
export const ACCOUNT_ID = /^\d{12}$/;

export function newImageId(): string {
  return "ami-" + randomBytes(9).toString("hex").slice(0, 17);
}

export function newAccountId(): string {
  let s = "";
  for (let i = 0; i < 12; i++) s += String(i === 0 ? randomInt(1, 10) : randomInt(0, 10));
  return s;
}

const KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Access key ids look like AWS's long-term keys (AKIA + 16 base32 characters). */
export function newAccessKeyId(): string {
  const bytes = randomBytes(16);
  let s = "AKIA";
  for (const b of bytes) s += KEY_ALPHABET[b % 32];
  return s;
}

export function newSecretAccessKey(): string {
  return randomBytes(30).toString("base64").replace(/\+/g, "A").replace(/\//g, "B");
}

/** A v4 UUID like EC2's request ids (node's pooled generator: no entropy call per request). */
export function newRequestId(): string {
  return randomUUID();
}
