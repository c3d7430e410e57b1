/** Client-side SigV4 for our CLI (push, pull) and tests: the same signer the AWS SDKs use. */
import { SignatureV4 } from "@smithy/signature-v4";
import { NodeSha256 } from "./auth/sha256.js";
import { SERVICE } from "./auth/sigv4.js";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials' token: the signer sends and signs it as X-Amz-Security-Token. */
  sessionToken?: string;
}

export interface ToSign {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** The body, or its SHA-256 hex for a streamed body (sent as x-amz-content-sha256). */
  body?: string | Buffer;
  bodySha256?: string;
  region?: string;
  signingDate?: Date;
}

export async function signHeaders(credentials: Credentials, r: ToSign): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: SERVICE,
    region: r.region ?? "us-east-1",
    credentials,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const headers: Record<string, string> = { ...r.headers, host: r.url.host };
  if (r.bodySha256 !== undefined) headers["x-amz-content-sha256"] = r.bodySha256;
  const query: Record<string, string> = {};
  for (const [k, v] of r.url.searchParams) query[k] = v;
  const signed = await signer.sign(
    {
      method: r.method,
      protocol: r.url.protocol,
      hostname: r.url.hostname,
      ...(r.url.port ? { port: Number(r.url.port) } : {}),
      path: r.url.pathname,
      query,
      headers,
      body: r.body,
    },
    r.signingDate ? { signingDate: r.signingDate } : {},
  );
  return signed.headers;
}

export async function presignUrl(
  credentials: Credentials,
  url: URL,
  expiresIn: number,
  signingDate?: Date,
): Promise<URL> {
  const signer = new SignatureV4({ service: SERVICE, region: "us-east-1", credentials, sha256: NodeSha256 });
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const out = await signer.presign(
    {
      method: "GET",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { host: url.host },
    },
    { expiresIn, ...(signingDate ? { signingDate } : {}) },
  );
  const u = new URL(url.pathname, url);
  for (const [k, v] of Object.entries(out.query ?? {})) u.searchParams.set(k, String(v));
  return u;
}
