/**
 * A load balancer in front of several catalogue nodes, without sticky routing: each request goes
 * to the node `route` picks (round robin by default), streamed both ways. It records which node
 * answered what, and can hold requests (never answered) to stand for a client cut off mid-push.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface Routed {
  method: string;
  path: string;
  /** Index of the node it went to. */
  node: number;
  /** The node's answer, once it came. */
  status?: number;
}

export interface Balancer {
  url: string;
  routed: Routed[];
  held: Array<{ method: string; path: string }>;
  /** The node for the next request; default: round robin over every node. */
  route: (r: { method: string; path: string }) => number;
  hold: ((r: { method: string; path: string }) => boolean) | undefined;
  close(): Promise<void>;
}

export async function startBalancer(targets: readonly string[]): Promise<Balancer> {
  const sockets = new Set<Socket>();
  let next = 0;
  const balancer: Balancer = {
    url: "",
    routed: [],
    held: [],
    route: () => next++ % targets.length,
    hold: undefined,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const asked = { method: req.method ?? "GET", path: req.url ?? "/" };
    if (balancer.hold?.(asked)) {
      balancer.held.push(asked);
      return;
    }
    const r: Routed = { ...asked, node: balancer.route(asked) };
    balancer.routed.push(r);
    const out = request(
      new URL(r.path, targets[r.node]),
      { method: r.method, headers: req.headers },
      (answer) => {
        r.status = answer.statusCode ?? 0;
        res.writeHead(r.status, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  };
  const server = createServer(handle);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  balancer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return balancer;
}
