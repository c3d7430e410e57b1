/**
 * Signed JSON calls to the catalogue's own endpoints (listings, attestations, submission records):
 * the client side of listing-routes.ts, for the CLI and whatever else calls the catalogue.
 */
import { errorOf } from "./client.js";
import { type Credentials, signHeaders } from "./sign.js";
import { send, textOf } from "./transport.js";

/** A signed request to one of the catalogue's /amigate/ paths; the body's text on 200. */
export async function signedRequest(
  endpoint: string,
  credentials: Credentials,
  method: "GET" | "PUT" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<string> {
  const url = new URL(path, endpoint);
  const text = body === undefined ? "" : JSON.stringify(body);
  const headers = await signHeaders(credentials, {
    method,
    url,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: text,
  });
  const res = await send(url, method, headers, body === undefined ? undefined : Buffer.from(text));
  const out = await textOf(res.body);
  if (res.status !== 200) throw errorOf(res.status, out, credentials);
  return out;
}

/** The same, its answer parsed as JSON. */
export async function signedJson<T>(
  endpoint: string,
  credentials: Credentials,
  method: "GET" | "PUT" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<T> {
  return JSON.parse(await signedRequest(endpoint, credentials, method, path, body)) as T;
}

export const imagePath = (imageId: string, what: string): string =>
  `/amigate/images/${encodeURIComponent(imageId)}/${what}`;
