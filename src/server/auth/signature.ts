/**
 * The SigV4 signature of a request as the server recomputes it (AWS General Reference, "Create a
 * signed AWS API request"): canonical request → string to sign → HMAC with the derived signing key.
 * Written for the verifier's hot path: one SHA-256 and one HMAC per request, the signing key derived
 * once per access key, day, region and service. signature.test.ts checks it against
 * @smithy/signature-v4 (the signer the AWS SDKs use) over many generated requests.
 */
import { createHash, createHmac } from "node:crypto";

export interface CanonicalInput {
  method: string;
  /** The path as sent (still percent-encoded); it is normalised and encoded once more (non-S3). */
  path: string;
  /** Decoded query pairs as sent, X-Amz-Signature included (it is left out here). */
  query: URLSearchParams;
  /** Lower-case names and values of the signed headers. */
  headers: ReadonlyMap<string, string>;
  payloadHash: string;
}

/** RFC 3986 unreserved characters stay, everything else is %XX (encodeURIComponent leaves !'()*). */
function escapeUri(s: string): string {
  const e = encodeURIComponent(s);
  return /[!'()*]/.test(e)
    ? e.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    : e;
}

function canonicalPath(path: string): string {
  if (path === "/") return path;
  const segments: string[] = [];
  for (const s of path.split("/")) {
    if (s === "" || s === ".") continue;
    if (s === "..") segments.pop();
    else segments.push(s);
  }
  const normalized = `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${segments.length > 0 && path.endsWith("/") ? "/" : ""}`;
  return escapeUri(normalized).replace(/%2F/g, "/");
}

function canonicalQuery(query: URLSearchParams): string {
  if (query.size === 0) return "";
  const byKey = new Map<string, string[]>();
  for (const [k, v] of query) {
    if (k.toLowerCase() === "x-amz-signature") continue;
    const key = escapeUri(k);
    const pair = `${key}=${escapeUri(v)}`;
    const list = byKey.get(key);
    if (list) list.push(pair);
    else byKey.set(key, [pair]);
  }
  if (byKey.size === 0) return "";
  const keys = [...byKey.keys()].sort();
  let out = "";
  for (const k of keys) {
    const pairs = byKey.get(k)!;
    if (pairs.length > 1) pairs.sort();
    out += (out === "" ? "" : "&") + pairs.join("&");
  }
  return out;
}

export function canonicalRequest(r: CanonicalInput): string {
  const names = [...r.headers.keys()].sort();
  let headers = "";
  for (const n of names) {
    const v = r.headers.get(n)!;
    // Values with runs of whitespace are rare; test before rewriting.
    headers += `${n}:${/\s\s|[\t\n\r]|^\s|\s$/.test(v) ? v.trim().replace(/\s+/g, " ") : v}\n`;
  }
  return `${r.method}\n${canonicalPath(r.path)}\n${canonicalQuery(r.query)}\n${headers}\n${names.join(";")}\n${r.payloadHash}`;
}

/**
 * Derived keys by secret, day and scope: a day's key costs four HMACs once. The secret is part of
 * the map key (App already holds it in memory), so a rotated secret never meets a stale key.
 */
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 10_000;

function signingKey(secret: string, shortDate: string, region: string, service: string): Buffer {
  const id = `${secret}\0${shortDate}\0${region}\0${service}`;
  let key = signingKeys.get(id);
  if (key === undefined) {
    const hmac = (k: string | Buffer, data: string) => createHmac("sha256", k).update(data).digest();
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, shortDate), region), service), "aws4_request");
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

export interface Scope {
  secretAccessKey: string;
  /** X-Amz-Date as sent: yyyymmddThhmmssZ. */
  amzDate: string;
  shortDate: string;
  region: string;
  service: string;
}

/** The hex signature of a canonical request under the given credential scope. */
export function signatureOf(canonical: string, s: Scope): string {
  const scope = `${s.shortDate}/${s.region}/${s.service}/aws4_request`;
  const hashed = createHash("sha256").update(canonical).digest("hex");
  const stringToSign = `AWS4-HMAC-SHA256\n${s.amzDate}\n${scope}\n${hashed}`;
  return createHmac("sha256", signingKey(s.secretAccessKey, s.shortDate, s.region, s.service))
    .update(stringToSign)
    .digest("hex");
}
