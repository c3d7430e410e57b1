/**
 * A small reverse proxy in front of a catalogue for client tests: plain HTTP or TLS-terminating
 * (with a self-signed certificate made by `openssl req`), recording every request it forwards and
 * holding (never forwarding, never answering) those a test asks it to hold. The Host header is
 * passed on unchanged, so SigV4 signatures made for the front verify at the catalogue.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  request,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import os from "node:os";
import path from "node:path";

export interface SelfSigned {
  /** PEM files: the certificate (also the CA bundle a client trusts) and its key. */
  certFile: string;
  keyFile: string;
}

/** A P-256 certificate for 127.0.0.1 (subjectAltName IP), valid for a day. */
export function selfSigned(): SelfSigned {
  const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-tls-"));
  const certFile = path.join(dir, "cert.pem");
  const keyFile = path.join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  return { certFile, keyFile };
}

export interface Forwarded {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** The catalogue's answer, once it came. */
  status?: number;
}

export interface Front {
  url: string;
  /** Requests passed on to the catalogue, in the order they arrived. */
  forwarded: Forwarded[];
  /** Requests held. */
  held: Forwarded[];
  /** Which requests to hold from now on; undefined = none. */
  hold: ((r: Forwarded) => boolean) | undefined;
  close(): Promise<void>;
}

export async function startFront(target: string, tls?: SelfSigned): Promise<Front> {
  const sockets = new Set<Socket>();
  const front: Front = {
    url: "",
    forwarded: [],
    held: [],
    hold: undefined,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const r: Forwarded = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers };
    if (front.hold?.(r)) {
      front.held.push(r);
      return;
    }
    front.forwarded.push(r);
    const out = request(new URL(r.path, target), { method: r.method, headers: req.headers }, (answer) => {
      r.status = answer.statusCode ?? 0;
      res.writeHead(r.status, answer.headers);
      answer.pipe(res);
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  };
  const server = tls
    ? createHttpsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, handle)
    : createHttpServer(handle);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  front.url = `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return front;
}
