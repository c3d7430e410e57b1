/**
 * SigV4 verification, header form and presigned-query form: parse what the client claims, then
 * recompute the signature with @smithy/signature-v4 (the signer the AWS SDKs use) from the
 * secret, and compare in constant time. Reference §6 lists the checks and the signer's gotchas.
 */
import { createHmac, hash, timingSafeEqual } from "node:crypto";
import { createScope, getCanonicalHeaders, getSigningKey, SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest, QueryParameterBag } from "@smithy/types";
import { Ec2Error } from "../ec2/errors.js";
import { NodeSha256 } from "./sha256.js";

export interface IncomingSigned {
  method: string;
  /** The path as sent, without the query. */
  path: string;
  query: URLSearchParams;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Raw body bytes; undefined for a streamed body whose digest is in x-amz-content-sha256. */
  body: Buffer | undefined;
}

export interface Verified {
  accessKeyId: string;
  accountId: string;
  region: string;
}

export type KeyLookup = (
  accessKeyId: string,
) => Promise<{ accountId: string; secretAccessKey: string } | undefined>;

export const SERVICE = "ec2";
/** ±15 minutes (AWS common errors: RequestExpired). */
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
const ALGORITHM = "AWS4-HMAC-SHA256";
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const credentialsFailure = () =>
  new Ec2Error("AuthFailure", "AWS was not able to validate the provided access credentials", 401);
const incomplete = (why: string) => new Ec2Error("IncompleteSignature", why, 400);

interface Claim {
  accessKeyId: string;
  shortDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  presignExpires?: number;
}

function parseCredential(
  credential: string,
): Pick<Claim, "accessKeyId" | "shortDate" | "region" | "service"> {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request")
    throw incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    );
  return { accessKeyId: parts[0]!, shortDate: parts[1]!, region: parts[2]!, service: parts[3]! };
}

function claimOf(req: IncomingSigned): Claim | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    if (!auth.startsWith(ALGORITHM) || !/\s/.test(auth.charAt(ALGORITHM.length)))
      throw incomplete("Authorization header requires the AWS4-HMAC-SHA256 algorithm.");
    // Three named fields, comma-separated, whitespace around each ignored; read into locals (a
    // record keyed by whatever the client sent was a megamorphic store on every request).
    let credential = "";
    let signedHeaders = "";
    let signature = "";
    for (const part of auth.slice(ALGORITHM.length).split(",")) {
      const eq = part.indexOf("=");
      if (eq <= 0) continue;
      const name = part.slice(0, eq).trim();
      const value = part.slice(eq + 1).trim();
      if (name === "Credential") credential = value;
      else if (name === "SignedHeaders") signedHeaders = value;
      else if (name === "Signature") signature = value;
    }
    if (!credential || !signedHeaders || !signature)
      throw incomplete(
        "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
      );
    const amzDate = req.headers["x-amz-date"];
    if (!amzDate)
      throw incomplete(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      );
    const scope = parseCredential(credential);
    // Built field by field: a spread here was measurably slow on the request path.
    return {
      accessKeyId: scope.accessKeyId,
      shortDate: scope.shortDate,
      region: scope.region,
      service: scope.service,
      signedHeaders: signedHeaders.split(";"),
      signature,
      amzDate,
    };
  }
  if (req.query.has("X-Amz-Signature")) {
    if (req.query.get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256")
      throw incomplete("X-Amz-Algorithm must be AWS4-HMAC-SHA256.");
    const credential = req.query.get("X-Amz-Credential");
    const amzDate = req.query.get("X-Amz-Date");
    const signedHeaders = req.query.get("X-Amz-SignedHeaders");
    const expires = Number(req.query.get("X-Amz-Expires") ?? "");
    if (
      !credential ||
      !amzDate ||
      !signedHeaders ||
      !Number.isInteger(expires) ||
      expires < 1 ||
      expires > MAX_PRESIGN_SECONDS
    )
      throw incomplete(
        "Presigned requests need X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders and X-Amz-Expires (1..604800).",
      );
    return {
      ...parseCredential(credential),
      signedHeaders: signedHeaders.split(";"),
      signature: req.query.get("X-Amz-Signature")!,
      amzDate,
      presignExpires: expires,
    };
  }
  return undefined;
}

/** The last X-Amz-Date parsed: clients sign many requests in the same second. */
let lastAmzDate: { text: string; date: Date | undefined } = { text: "", date: undefined };

function parseAmzDate(s: string): Date | undefined {
  if (s === lastAmzDate.text) return lastAmzDate.date;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = [+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!];
  const date = new Date(Date.UTC(y, mo, d, h, mi, se));
  // Out-of-range fields (Feb 30, 25:00) would roll over: the signed text is what counts, so refuse.
  const valid =
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === se;
  lastAmzDate = { text: s, date: valid ? date : undefined };
  return lastAmzDate.date;
}

const PRESIGN_PARAMS = new Set([
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-SignedHeaders",
  "X-Amz-Signature",
]);

function queryBag(query: URLSearchParams, skipPresign: boolean): QueryParameterBag {
  const bag: QueryParameterBag = {};
  if (query.size === 0) return bag;
  for (const [k, v] of query) {
    if (skipPresign && PRESIGN_PARAMS.has(k)) continue;
    const prev = bag[k];
    bag[k] = prev === undefined || prev === null ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return bag;
}

/**
 * The SDKs' signer, used to verify: for the header form the canonical request is made by the
 * signer's own steps (getCanonicalHeaders, createCanonicalRequest: the URI, query and header
 * encoding rules, where verifiers go wrong) from the headers the client signed and the body digest
 * we already checked, and the signing key by its getSigningKey. The two remaining steps are one
 * hash and one HMAC (string to sign = algorithm, date, scope, hex SHA-256 of the canonical
 * request); they run on node:crypto directly with the derived key cached here per key and day,
 * because the signer's sign(string) re-derives a cache key with an extra HMAC and formats the date
 * again on every call, which was a third of a DescribeImageAttribute call.
 */
class Verifier extends SignatureV4 {
  canonicalRequest(request: HttpRequest, signedHeaders: Set<string>, payloadHash: string): string {
    return this.createCanonicalRequest(
      request,
      getCanonicalHeaders(request, undefined, signedHeaders),
      payloadHash,
    );
  }
}

/** The canonical request depends on neither the region nor the credentials: one signer makes all. */
const verifier = new Verifier({
  service: SERVICE,
  region: "us-east-1",
  credentials: { accessKeyId: "", secretAccessKey: "" },
  sha256: NodeSha256,
  applyChecksum: false,
  uriEscapePath: true,
});

/** Signing keys (HMAC chain of secret, date, region, service) by key id, day and scope. */
const signingKeys = new Map<string, { secretAccessKey: string; key: Buffer }>();
async function signingKey(
  accessKeyId: string,
  secretAccessKey: string,
  claim: Pick<Claim, "shortDate" | "region" | "service">,
): Promise<Buffer> {
  const cacheKey = `${accessKeyId}/${claim.shortDate}/${claim.region}/${claim.service}`;
  const cached = signingKeys.get(cacheKey);
  // A changed secret for the same key id must not verify with the key derived from the old one.
  if (cached?.secretAccessKey === secretAccessKey) return cached.key;
  if (signingKeys.size > 10_000) signingKeys.clear();
  const key = Buffer.from(
    await getSigningKey(
      NodeSha256,
      { accessKeyId, secretAccessKey },
      claim.shortDate,
      claim.region,
      claim.service,
    ),
  );
  signingKeys.set(cacheKey, { secretAccessKey, key });
  return key;
}

/** One signer per access key and region, for the presigned form (rare: browsers opening reports). */
const presigners = new Map<string, SignatureV4>();
function presignerFor(accessKeyId: string, secretAccessKey: string, region: string): SignatureV4 {
  const key = `${accessKeyId}\0${region}`;
  let s = presigners.get(key);
  if (!s) {
    if (presigners.size > 10_000) presigners.clear();
    s = new SignatureV4({
      service: SERVICE,
      region,
      credentials: { accessKeyId, secretAccessKey },
      sha256: NodeSha256,
      applyChecksum: false,
      uriEscapePath: true,
    });
    presigners.set(key, s);
  }
  return s;
}

export async function verifySigV4(req: IncomingSigned, lookup: KeyLookup, now: Date): Promise<Verified> {
  const claim = claimOf(req);
  if (!claim)
    throw new Ec2Error("MissingAuthenticationToken", "Request is missing Authentication Token", 401);
  const signedAt = parseAmzDate(claim.amzDate);
  if (!signedAt) throw incomplete(`Invalid X-Amz-Date '${claim.amzDate}'.`);
  if (claim.shortDate !== claim.amzDate.slice(0, 8)) throw credentialsFailure();
  if (claim.service !== SERVICE)
    throw new Ec2Error("AuthFailure", `Credential should be scoped to correct service: '${SERVICE}'.`, 401);
  if (!claim.signedHeaders.includes("host")) throw incomplete("'Host' must be a signed header.");
  if (claim.presignExpires === undefined && !claim.signedHeaders.includes("x-amz-date"))
    throw incomplete("'X-Amz-Date' must be a signed header.");
  const age = now.getTime() - signedAt.getTime();
  if (claim.presignExpires !== undefined) {
    if (age > claim.presignExpires * 1000 || age < -MAX_SKEW_MS)
      throw new Ec2Error("RequestExpired", "Request has expired.");
  } else if (Math.abs(age) > MAX_SKEW_MS) throw new Ec2Error("RequestExpired", "Request has expired.");
  if (req.headers["x-amz-security-token"] !== undefined || req.query.has("X-Amz-Security-Token"))
    throw credentialsFailure();

  // The signer trusts x-amz-content-sha256, so check it against the body ourselves (reference §6).
  const claimedHash = req.headers["x-amz-content-sha256"];
  let bodyHash: string | undefined;
  if (req.body !== undefined) {
    bodyHash = req.body.length === 0 ? EMPTY_SHA256 : hash("sha256", req.body, "hex");
    if (claimedHash !== undefined && claimedHash !== bodyHash) throw credentialsFailure();
  } else if (
    claimedHash === undefined ||
    !/^[0-9a-f]{64}$/.test(claimedHash) ||
    !claim.signedHeaders.includes("x-amz-content-sha256")
  ) {
    throw incomplete("A streamed body needs its SHA-256 in a signed x-amz-content-sha256 header.");
  }

  const key = await lookup(claim.accessKeyId);
  if (!key) throw credentialsFailure();
  // The signature is recomputed by @smithy/signature-v4, the signer the AWS SDKs use (a
  // well-kept implementation, not ours); signers and their derived keys are cached per key/region.
  const signed = new Set(claim.signedHeaders);
  const headers: Record<string, string> = {};
  for (const name of claim.signedHeaders) {
    const v = req.headers[name];
    if (v === undefined && name !== "x-amz-date") throw credentialsFailure();
    if (v !== undefined) headers[name] = v;
  }
  const [hostname = "", port] = (req.headers.host ?? "").split(":");
  const request: HttpRequest = {
    method: req.method,
    protocol: "http:",
    hostname,
    ...(port !== undefined ? { port: Number(port) } : {}),
    path: req.path,
    query: queryBag(req.query, claim.presignExpires !== undefined),
    headers,
    body: req.body,
  };
  let found: string | undefined;
  if (claim.presignExpires !== undefined) {
    const out = await presignerFor(claim.accessKeyId, key.secretAccessKey, claim.region).presign(request, {
      signingDate: signedAt,
      expiresIn: claim.presignExpires,
      signableHeaders: signed,
      signingRegion: claim.region,
      signingService: claim.service,
    });
    found = out.query?.["X-Amz-Signature"] as string | undefined;
  } else {
    // A body we hold was hashed above; a streamed one's digest is the signed header checked above.
    const canonical = verifier.canonicalRequest(request, signed, bodyHash ?? claimedHash!);
    const stringToSign = `${ALGORITHM}\n${claim.amzDate}\n${createScope(claim.shortDate, claim.region, claim.service)}\n${hash("sha256", canonical, "hex")}`;
    const k = await signingKey(claim.accessKeyId, key.secretAccessKey, claim);
    found = createHmac("sha256", k).update(stringToSign).digest("hex");
  }
  const expected = found ?? "";
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(claim.signature, "utf8");
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw credentialsFailure();
  return { accessKeyId: claim.accessKeyId, accountId: key.accountId, region: claim.region };
}
