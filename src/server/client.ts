/** The small signed client behind `amigate push` and `amigate pull`. */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, promises as fsp } from "node:fs";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { XMLParser } from "fast-xml-parser";
import { type Credentials, signHeaders } from "./sign.js";

export class ClientError extends Error {
  override readonly name = "ClientError";
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

function fromIni(text: string, profile: string): Credentials | undefined {
  let current = "";
  const values: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const section = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (section) current = section[1]!;
    else if (current === profile) {
      const kv = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
      if (kv) values[kv[1]!.toLowerCase()] = kv[2]!;
    }
  }
  return values.aws_access_key_id && values.aws_secret_access_key
    ? { accessKeyId: values.aws_access_key_id, secretAccessKey: values.aws_secret_access_key }
    : undefined;
}

/**
 * The standard chain, in its order: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY first; then
 * @aws-sdk/credential-providers' fromNodeProviderChain when installed; else the shared
 * credentials file's profile (AWS_PROFILE, default "default").
 */
export async function resolveCredentials(env = process.env): Promise<Credentials> {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
  try {
    const name = "@aws-sdk/credential-providers";
    const mod = (await import(name)) as { fromNodeProviderChain?: () => () => Promise<Credentials> };
    if (mod.fromNodeProviderChain) return await mod.fromNodeProviderChain()();
  } catch {
    // Not installed (it is optional): fall back to the shared credentials file.
  }
  const file = env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(os.homedir(), ".aws", "credentials");
  try {
    const creds = fromIni(await fsp.readFile(file, "utf8"), env.AWS_PROFILE ?? "default");
    if (creds) return creds;
  } catch {
    // No file: reported below.
  }
  throw new ClientError("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile)");
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });

/** The EC2 error in an answer's body, as a ClientError with its code (else the HTTP status). */
export function errorOf(status: number, body: string): ClientError {
  try {
    const e = (
      parser.parse(body) as { Response?: { Errors?: { Error?: { Code: string; Message: string } } } }
    ).Response?.Errors?.Error;
    if (e) return new ClientError(`${e.Code}: ${e.Message}`, e.Code);
  } catch {
    // Not XML: said by status below.
  }
  return new ClientError(`HTTP ${status}`);
}

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: NodeJS.ReadableStream;
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body?: Buffer | NodeJS.ReadableStream,
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) =>
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }),
    );
    req.on("error", reject);
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

async function text(s: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
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
  const out = await text(res.body);
  if (res.status !== 200) throw errorOf(res.status, out);
  return (parser.parse(out) as Record<string, Record<string, unknown>>)[`${action}Response`] ?? {};
}

export async function sha256File(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const c of createReadStream(file)) {
    hash.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { sha256: hash.digest("hex"), size };
}

/** PUT /amigate/blobs, streamed; the signed x-amz-content-sha256 is the file's digest. */
export async function putBlob(endpoint: string, creds: Credentials, file: string): Promise<string> {
  const { sha256, size } = await sha256File(file);
  const url = new URL("/amigate/blobs", endpoint);
  const headers = await signHeaders(creds, {
    method: "PUT",
    url,
    headers: { "content-type": "application/octet-stream", "content-length": String(size) },
    bodySha256: sha256,
  });
  const res = await send(url, "PUT", headers, createReadStream(file));
  const out = await text(res.body);
  if (res.status !== 200) throw errorOf(res.status, out);
  return (JSON.parse(out) as { imageLocation: string }).imageLocation;
}

/** GET /amigate/images/{id}/blob into `output`, checked against the digest the server recorded. */
export async function pullImage(
  endpoint: string,
  creds: Credentials,
  imageId: string,
  output: string,
): Promise<string> {
  const url = new URL(`/amigate/images/${encodeURIComponent(imageId)}/blob`, endpoint);
  const headers = await signHeaders(creds, { method: "GET", url, headers: {}, body: "" });
  const res = await send(url, "GET", headers);
  if (res.status !== 200) throw errorOf(res.status, await text(res.body));
  const expected = String(res.headers["x-amigate-sha256"] ?? "");
  const tmp = `${output}.partial`;
  const hash = createHash("sha256");
  try {
    await pipeline(
      res.body as NodeJS.ReadableStream & AsyncIterable<Buffer>,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const c of source) {
          hash.update(c);
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
