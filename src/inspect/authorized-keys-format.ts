import { createHash } from "node:crypto";

/** One public key line of an authorized_keys file (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"). */
export interface AuthorizedKey {
  /** 1-based line in the file. */
  line: number;
  /** Key type as written: "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa-cert-v01@openssh.com"… */
  type: string;
  /** The options field ("from=\"10.0.0.0/8\",no-pty"), when present. */
  options?: string;
  /** "SHA256:" + unpadded base64 of SHA-256 over the key blob, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  comment: string;
}

export interface ParsedAuthorizedKeys {
  keys: AuthorizedKey[];
  /** Lines that are neither comments, blank, nor a key sshd would accept. */
  invalidLines: number[];
}

/** Key types sshd accepts in authorized_keys (sshd(8)), plus their certificate forms. */
const PLAIN_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ssh-dss",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ecdsa-sha2-nistp256@openssh.com",
  "sk-ssh-ed25519@openssh.com",
];
const KEY_TYPES = new Set([
  ...PLAIN_TYPES,
  ...PLAIN_TYPES.map((t) =>
    t.endsWith("@openssh.com")
      ? t.replace("@openssh.com", "-cert-v01@openssh.com")
      : `${t}-cert-v01@openssh.com`,
  ),
]);

/** sshd reads lines up to 8 KiB (SSH_MAX_PUBKEY_BYTES is 16 KiB); longer ones are not keys. */
const MAX_LINE = 16 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function isKeyType(word: string): boolean {
  return KEY_TYPES.has(word);
}

/** SHA256 fingerprint of a base64 key blob, in ssh-keygen's notation. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/**
 * The blob starts with its own key type as an SSH string (RFC 4253 §6.6: uint32 length + bytes);
 * a blob whose embedded type differs is rejected by sshd, so it is not a key either.
 */
function blobMatches(blob: Buffer, type: string): boolean {
  if (blob.length < 4) return false;
  const len = blob.readUInt32BE(0);
  if (len > blob.length - 4 || len > 128) return false;
  return blob.toString("latin1", 4, 4 + len) === type;
}

/** Splits off the options field: it ends at the first whitespace outside double quotes. */
function splitOptions(line: string): { options: string; rest: string } | undefined {
  let inQuote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\" && inQuote) i++;
    else if (c === '"') inQuote = !inQuote;
    else if (!inQuote && (c === " " || c === "\t"))
      return { options: line.slice(0, i), rest: line.slice(i).trimStart() };
  }
  return undefined;
}

/** Parses one line; undefined when it is not a key sshd would accept. */
export function parseAuthorizedKeyLine(raw: string, lineNo: number): AuthorizedKey | undefined {
  let line = raw.trim();
  let options: string | undefined;
  const first = line.split(/[ \t]/, 1)[0] ?? "";
  if (!isKeyType(first)) {
    const split = splitOptions(line);
    if (!split) return undefined;
    options = split.options;
    line = split.rest;
  }
  const [type = "", blobText = "", ...commentWords] = line.split(/[ \t]+/);
  if (!isKeyType(type) || !BASE64.test(blobText)) return undefined;
  const blob = Buffer.from(blobText, "base64");
  if (!blobMatches(blob, type)) return undefined;
  return {
    line: lineNo,
    type,
    ...(options !== undefined ? { options } : {}),
    fingerprint: fingerprintOf(blob),
    comment: commentWords.join(" "),
  };
}

export function parseAuthorizedKeys(text: string): ParsedAuthorizedKeys {
  const keys: AuthorizedKey[] = [];
  const invalidLines: number[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const key = line.length <= MAX_LINE ? parseAuthorizedKeyLine(line, i + 1) : undefined;
    if (key) keys.push(key);
    else invalidLines.push(i + 1);
  }
  return { keys, invalidLines };
}
