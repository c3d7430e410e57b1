import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { App } from "./app.js";
import { ResponsePool } from "./response-pool.js";

/** EC2 query bodies are small; uploads stream and are never buffered. */
const MAX_QUERY_BODY = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_QUERY_BODY) chunks.push(c);
    });
    req.on("end", () =>
      resolve(size > MAX_QUERY_BODY ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)),
    );
    req.on("error", reject);
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

export function serve(
  app: App,
  host: string,
  port: number,
  pool = new ResponsePool(),
): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    try {
      const url = req.url ?? "/";
      const streamed = req.method === "PUT" && url.startsWith("/amigate/blobs");
      let body: Buffer | AsyncIterable<Uint8Array>;
      if (streamed) body = req;
      else {
        const b = await readBody(req);
        if (!b) {
          res.writeHead(413).end();
          return;
        }
        body = b;
      }
      const out = await app.handle({
        method: req.method ?? "GET",
        url,
        headers: headersOf(req),
        body,
        remoteAddress: req.socket.remoteAddress ?? "unknown",
      });
      res.writeHead(out.status, out.headers);
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
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("internal error\n");
    }
  });
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
