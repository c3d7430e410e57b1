/**
 * How the client side (push, pull, report, listings) reaches a catalogue: http:// or https://,
 * one keep-alive agent per scheme, and the certificate authorities to trust — `--ca-bundle`, else
 * AWS_CA_BUNDLE (as the AWS CLI reads them), else node's bundled roots. Proxies come from the
 * environment as for the AWS CLI and curl: HTTPS_PROXY / HTTP_PROXY (or lower case), NO_PROXY
 * (proxy-from-env reads them); https:// goes through a CONNECT tunnel, http:// as absolute-URI
 * requests to the proxy.
 */
import { readFileSync } from "node:fs";
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { HttpProxyAgent } from "http-proxy-agent";
import { HttpsProxyAgent } from "https-proxy-agent";
import { getProxyForUrl } from "proxy-from-env";

export class TransportError extends Error {
  override readonly name = "TransportError";
}

export interface TransportOptions {
  /** A PEM file of the certificate authorities to trust instead of node's bundled ones. */
  caBundle?: string;
}

let agents: { http: HttpAgent; https: HttpsAgent; ca?: Buffer } | undefined;
/** Agents through a proxy, by scheme and proxy URL (made on first use, kept alive). */
const proxied = new Map<string, HttpAgent>();

function readCaBundle(file: string, from: string): Buffer {
  try {
    const pem = readFileSync(file);
    if (!pem.includes("-----BEGIN CERTIFICATE-----"))
      throw new TransportError(`${from} ${file}: no PEM certificate in it`);
    return pem;
  } catch (e) {
    if (e instanceof TransportError) throw e;
    throw new TransportError(`${from} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Sets up the agents: once per process, before the first request (later requests reuse them). */
export function configureTransport(options: TransportOptions = {}, env = process.env): void {
  const ca =
    options.caBundle !== undefined
      ? readCaBundle(options.caBundle, "--ca-bundle")
      : env.AWS_CA_BUNDLE
        ? readCaBundle(env.AWS_CA_BUNDLE, "AWS_CA_BUNDLE")
        : undefined;
  agents = {
    http: new HttpAgent({ keepAlive: true }),
    https: new HttpsAgent({ keepAlive: true, ...(ca ? { ca } : {}) }),
    ...(ca ? { ca } : {}),
  };
  proxied.clear();
}

/** The agent for this URL: the proxy's from the environment, unless NO_PROXY names the host. */
function agentFor(url: URL): HttpAgent {
  const tls = url.protocol === "https:";
  const proxy = getProxyForUrl(url.href);
  if (!proxy) return tls ? agents!.https : agents!.http;
  let proxyUrl: URL;
  try {
    proxyUrl = new URL(proxy);
  } catch {
    throw new TransportError(`the proxy for ${url.origin} is not a URL: ${proxy}`);
  }
  const key = `${url.protocol}${proxyUrl.href}`;
  let agent = proxied.get(key);
  if (!agent) {
    agent = tls
      ? new HttpsProxyAgent(proxyUrl, { keepAlive: true })
      : new HttpProxyAgent(proxyUrl, { keepAlive: true });
    proxied.set(key, agent);
  }
  return agent;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: NodeJS.ReadableStream & AsyncIterable<Buffer>;
}

/** One request; the body is a buffer or a stream piped into it. */
export function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body?: Buffer | NodeJS.ReadableStream,
): Promise<Answer> {
  if (!agents) configureTransport();
  const tls = url.protocol === "https:";
  if (!tls && url.protocol !== "http:")
    return Promise.reject(new TransportError(`${url.href}: the endpoint must be http:// or https://`));
  const request = tls ? httpsRequest : httpRequest;
  let agent: HttpAgent;
  try {
    agent = agentFor(url);
  } catch (e) {
    return Promise.reject(e);
  }
  // A tunnelling agent makes the target's TLS socket from the request's options: the CA list goes
  // there too, and the certificate is checked against the URL's host (for an IP address the agent
  // sends no SNI name, and node would otherwise check the certificate against "localhost").
  const tunnel = tls && agent !== agents!.https;
  const ca = {
    ...(tls && agents!.ca ? { ca: agents!.ca } : {}),
    ...(tunnel
      ? {
          checkServerIdentity: (_host: string, cert: PeerCertificate) =>
            checkServerIdentity(url.hostname.replace(/^\[|\]$/g, ""), cert),
        }
      : {}),
  };
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent, ...ca }, (res) =>
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }),
    );
    req.on("error", (e: NodeJS.ErrnoException) =>
      reject(new TransportError(`${url.origin}: ${e.code ? `${e.code}: ` : ""}${e.message}`)),
    );
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      body.on("error", (e) => req.destroy(e));
      body.pipe(req);
    }
  });
}

/** The whole answer as text. */
export async function textOf(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}
