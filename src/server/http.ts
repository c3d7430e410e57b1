import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { type App, errorResponse } from "./app.js";
import { Ec2Error } from "./ec2/errors.js";
import { ResponsePool } from "./response-pool.js";

/** EC2 query bodies are small; uploads stream and are never buffered. */
const MAX_QUERY_BODY = 4 * 1024 * 1024;

/** What a client may hold of the server (docs/server.md "Limits"). */
export interface HttpLimits {
  /** A request's headers must arrive whole within this, from its first byte (node's headersTimeout). */
  headersTimeoutMs: number;
  /** The body of a request other than an upload must arrive whole within this, from its headers. */
  requestTimeoutMs: number;
  /** A connection that moves no bytes either way for this long is closed (a stalled upload or pull). */
  idleTimeoutMs: number;
  /** Connections open at once; further ones are closed as they are accepted. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  maxConnections: 512,
};

const tooLarge = () =>
  new Ec2Error("RequestEntityTooLarge", `The request body is larger than ${MAX_QUERY_BODY} bytes.`, 413);

/**
 * Reads a query body of at most MAX_QUERY_BODY within the deadline. Past the size or the time it
 * stops reading (the connection is then closed after the answer) and says which.
 */
function readBody(req: IncomingMessage, timeoutMs: number): Promise<Buffer | "too-large" | "timeout"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    const giveUp = (why: "too-large" | "timeout") => {
      stop();
      req.pause();
      resolve(why);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > MAX_QUERY_BODY) giveUp("too-large");
      else chunks.push(c);
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (e: Error) => {
      stop();
      reject(e);
    };
    const timer = setTimeout(() => giveUp("timeout"), timeoutMs);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

/** Lower-case names; node gives arrays only for set-cookie, which is then joined (a copy). */
function headersOf(req: IncomingMessage): Record<string, string> {
  if (req.headers["set-cookie"] === undefined) return req.headers as Record<string, string>;
  const out: Record<string, string> = {};
  for (const k in req.headers) {
    const v = req.headers[k];
    if (v !== undefined) out[k] = typeof v === "string" ? v : v.join(",");
  }
  return out;
}

/**
 * An upload's body, read only when the app reads it: a request that sent `Expect: 100-continue`
 * gets its "100 Continue" then, so one refused from its headers (size, quota, signature) is never
 * sent. An early stop leaves the request unread but open (the answer then closes the connection).
 */
function uploadBody(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) {
  return {
    [Symbol.asyncIterator]: (): AsyncIterator<Uint8Array> => {
      if (expectsContinue) res.writeContinue();
      return req.iterator({ destroyOnReturn: false });
    },
  };
}

/** How long a connection answered before its body was read goes on dropping what the client sends. */
const LINGER_MS = 2000;

/**
 * For an answer sent before the request's body was read whole (a refusal): it is the connection's
 * last, and the connection closes once it is out, after a linger — what the client is still sending
 * is read and dropped (never stored) for up to LINGER_MS first. Closing at once would reset the
 * connection while the client still writes, and a reset often loses the answer on its side.
 */
function closeAfterAnswer(req: IncomingMessage): { connection: "close" } {
  // node ends an answer marked `connection: close` with socket.destroySoon().
  const socket = req.socket as IncomingMessage["socket"] & { destroySoon?: () => void };
  socket.destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    socket.once("close", () => clearTimeout(timer));
  };
  req.resume();
  return { connection: "close" };
}

/** A refusal before the request was read whole. */
function refuse(req: IncomingMessage, res: ServerResponse, e: Ec2Error): void {
  const out = errorResponse(e);
  res.writeHead(out.status, { ...out.headers, ...closeAfterAnswer(req) });
  res.end(out.body);
}

/** What node sends to a connection past headersTimeout. */
const TIMED_OUT = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";

export function serve(
  app: App,
  host: string,
  port: number,
  pool = new ResponsePool(),
  limits: Partial<HttpLimits> = {},
): Promise<{ server: Server; url: string }> {
  const l = { ...DEFAULT_HTTP_LIMITS, ...limits };
  /** Connections that have sent a request (node's headersTimeout covers those once begun). */
  const spoken = new WeakSet<object>();
  const handle = async (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => {
    spoken.add(req.socket);
    const url = req.url ?? "/";
    // Uploads stream: a whole image, or a part of one (upload-routes.ts).
    const streamed =
      req.method === "PUT" && (url.startsWith("/amigate/blobs") || url.startsWith("/amigate/uploads/"));
    try {
      let body: Buffer | AsyncIterable<Uint8Array>;
      if (streamed) body = uploadBody(req, res, expectsContinue);
      else {
        if (Number(req.headers["content-length"]) > MAX_QUERY_BODY) return refuse(req, res, tooLarge());
        if (expectsContinue) res.writeContinue();
        const b = await readBody(req, l.requestTimeoutMs);
        if (b === "too-large") return refuse(req, res, tooLarge());
        if (b === "timeout")
          return refuse(
            req,
            res,
            new Ec2Error(
              "RequestTimeout",
              `The request body did not arrive within ${l.requestTimeoutMs / 1000} s.`,
              408,
            ),
          );
        body = b;
      }
      const out = await app.handle({
        method: req.method ?? "GET",
        url,
        headers: headersOf(req),
        body,
        remoteAddress: req.socket.remoteAddress ?? "unknown",
        tls: (req.socket as { encrypted?: boolean }).encrypted === true,
      });
      // An upload refused part-way was left unread: close rather than read the rest.
      res.writeHead(
        out.status,
        streamed && !req.complete ? { ...out.headers, ...closeAfterAnswer(req) } : out.headers,
      );
      if (Array.isArray(out.body)) {
        const { body, release } = pool.join(out.body);
        res.end(body, release);
        // An aborted exchange may never finish: its buffer is then left to the garbage collector.
        return;
      }
      if (out.body instanceof Readable) {
        out.body.on("error", () => res.destroy());
        out.body.pipe(res);
      } else res.end(out.body);
    } catch (e) {
      // Never a stack trace to clients; the operator sees it on stderr.
      process.stderr.write(`amigate serve: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      if (!res.headersSent)
        res.writeHead(500, {
          "content-type": "text/plain",
          ...(streamed && !req.complete ? closeAfterAnswer(req) : {}),
        });
      res.end("internal error\n");
    }
  };
  const server = createServer(
    {
      headersTimeout: l.headersTimeoutMs,
      // node's requestTimeout would also cut an upload that takes longer; other bodies have their
      // own deadline (readBody), and a stalled connection the idle timeout.
      requestTimeout: 0,
      // How often node looks for connections past headersTimeout (its default is 30 s).
      connectionsCheckingInterval: Math.min(1000, Math.max(50, l.headersTimeoutMs / 4)),
    },
    (req, res) => void handle(req, res, false),
  );
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => void handle(req, res, true));
  // A connection must bring its first request within the header timeout: node times headers only
  // from their first byte, and (node 20) a connection that sends nothing escapes server.timeout too.
  server.on("connection", (socket) => {
    const timer = setTimeout(() => {
      if (!spoken.has(socket)) socket.end(TIMED_OUT, () => socket.destroy());
    }, l.headersTimeoutMs);
    socket.once("close", () => clearTimeout(timer));
  });
  server.maxConnections = l.maxConnections;
  server.timeout = l.idleTimeoutMs;
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      const h = a.family === "IPv6" ? `[${a.address}]` : a.address;
      resolve({ server, url: `http://${h}:${a.port}` });
    });
  });
}
