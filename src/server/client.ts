/** The small signed client behind `amigate push` and `amigate pull`. */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, promises as fsp } from "node:fs";
import { pipeline } from "node:stream/promises";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { XMLParser } from "fast-xml-parser";
import { type Credentials, signHeaders } from "./sign.js";
import { send, textOf } from "./transport.js";

export class ClientError extends Error {
  override readonly name = "ClientError";
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What `--profile` and AWS_PROFILE choose; undefined = the chain's own default. */
export interface CredentialOptions {
  profile?: string;
}

/**
 * The AWS SDK's standard chain (@aws-sdk/credential-providers' fromNodeProviderChain), in its
 * order: environment (skipped when a profile is named), SSO, the shared config and credentials
 * files' profile (keys, `credential_process`, `sso_session`, role chains), web identity, the
 * container credentials endpoint, then instance metadata (IMDSv2).
 */
export async function resolveCredentials(options: CredentialOptions = {}): Promise<Credentials> {
  const explicit = options.profile !== undefined;
  const provider = fromNodeProviderChain({
    ...(explicit ? { profile: options.profile } : {}),
    // The SDK warns on stderr when a profile and environment keys are both set; a --profile on
    // the command line is an explicit choice, as it is for the AWS CLI, so that warning is dropped.
    logger: {
      debug: () => {},
      info: () => {},
      warn: (...args: unknown[]) => {
        if (!explicit || !String(args[0]).includes("Multiple credential sources"))
          process.stderr.write(`amigate: ${String(args[0]).split("\n")[0]}\n`);
      },
      error: () => {},
    },
  });
  try {
    const c = await provider();
    return {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
    };
  } catch (e) {
    throw new ClientError(
      `no AWS credentials${explicit ? ` for profile ${options.profile}` : ""}: ${(e as Error).message.split("\n")[0]} ` +
        "(set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile with --profile or AWS_PROFILE)",
    );
  }
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });

/** Why temporary credentials are refused (docs/server.md "Credentials"). */
const TEMPORARY_CREDENTIALS =
  " (these are temporary credentials with a session token; amigate serve accepts only the long-term keys it issued: `amigate accounts create`)";

/**
 * The EC2 error in an answer's body, as a ClientError with its code (else the HTTP status); an
 * AuthFailure of temporary credentials says why.
 */
export function errorOf(status: number, body: string, credentials?: Credentials): ClientError {
  try {
    const e = (
      parser.parse(body) as { Response?: { Errors?: { Error?: { Code: string; Message: string } } } }
    ).Response?.Errors?.Error;
    if (e)
      return new ClientError(
        `${e.Code}: ${e.Message}${e.Code === "AuthFailure" && credentials?.sessionToken ? TEMPORARY_CREDENTIALS : ""}`,
        e.Code,
      );
  } catch {
    // Not XML: said by status below.
  }
  return new ClientError(`HTTP ${status}`);
}

export async function ec2Call(
  endpoint: string,
  creds: Credentials,
  action: string,
  params: Record<string, string>,
): Promise<Record<string, unknown>> {
  const url = new URL("/", endpoint);
  const body = new URLSearchParams({ Action: action, Version: "2016-11-15", ...params }).toString();
  const headers = await signHeaders(creds, {
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body,
  });
  const res = await send(url, "POST", headers, Buffer.from(body));
  const out = await textOf(res.body);
  if (res.status !== 200) throw errorOf(res.status, out, creds);
  return (parser.parse(out) as Record<string, Record<string, unknown>>)[`${action}Response`] ?? {};
}

/** What a transfer reports as it goes (the CLI draws it on a terminal). */
export interface TransferProgress {
  /** A phase begins: its name and its total bytes (undefined: not known). */
  phase?(name: "hashing" | "uploading" | "downloading", total: number | undefined): void;
  /** Bytes done in the phase; negative when bytes are sent again (a retried part). */
  advance?(bytes: number): void;
}

export async function sha256File(
  file: string,
  advance?: (bytes: number) => void,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const c of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(c as Buffer);
    size += (c as Buffer).length;
    advance?.((c as Buffer).length);
  }
  return { sha256: hash.digest("hex"), size };
}

/** PUT /amigate/blobs, streamed; the signed x-amz-content-sha256 is the file's digest. */
export async function putBlob(
  endpoint: string,
  creds: Credentials,
  file: string,
  progress?: TransferProgress,
): Promise<string> {
  progress?.phase?.("hashing", (await fsp.stat(file)).size);
  const { sha256, size } = await sha256File(file, progress?.advance);
  const url = new URL("/amigate/blobs", endpoint);
  const headers = await signHeaders(creds, {
    method: "PUT",
    url,
    headers: { "content-type": "application/octet-stream", "content-length": String(size) },
    bodySha256: sha256,
  });
  progress?.phase?.("uploading", size);
  const body = createReadStream(file, { highWaterMark: 1024 * 1024 });
  body.on("data", (c) => progress?.advance?.(c.length));
  const res = await send(url, "PUT", headers, body);
  const out = await textOf(res.body);
  if (res.status !== 200) throw errorOf(res.status, out, creds);
  return (JSON.parse(out) as { imageLocation: string }).imageLocation;
}

/** GET /amigate/images/{id}/blob into `output`, checked against the digest the server recorded. */
export async function pullImage(
  endpoint: string,
  creds: Credentials,
  imageId: string,
  output: string,
  progress?: TransferProgress,
): Promise<string> {
  const url = new URL(`/amigate/images/${encodeURIComponent(imageId)}/blob`, endpoint);
  const headers = await signHeaders(creds, { method: "GET", url, headers: {}, body: "" });
  const res = await send(url, "GET", headers);
  if (res.status !== 200) throw errorOf(res.status, await textOf(res.body), creds);
  const expected = String(res.headers["x-amigate-sha256"] ?? "");
  const length = Number(res.headers["content-length"]);
  progress?.phase?.("downloading", Number.isSafeInteger(length) ? length : undefined);
  const tmp = `${output}.partial`;
  const hash = createHash("sha256");
  try {
    await pipeline(
      res.body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const c of source) {
          hash.update(c);
          progress?.advance?.(c.length);
          yield c;
        }
      },
      createWriteStream(tmp),
    );
    const got = hash.digest("hex");
    if (got !== expected) throw new ClientError(`digest mismatch: got ${got}, server recorded ${expected}`);
    await fsp.rename(tmp, output);
    return got;
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}
