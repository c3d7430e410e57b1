/**
 * What API nodes on one PostgreSQL database tell each other: small events over LISTEN/NOTIFY on
 * one channel, each tagged with its node so a node ignores its own. Delivery is to the nodes
 * connected when the event is sent (PostgreSQL keeps nothing for later), so only state that may
 * start empty goes this way — today the console's sign-in lockouts; the catalogue's data itself is
 * never cached per node on PostgreSQL (store/postgres.ts).
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { SignInEvent, SignInPeers } from "./console/throttle.js";
import { redactedUrl } from "./store/postgres/database.js";

export interface ClusterBus {
  /** Sends to every other node (best effort: dropped while this node's connection is down). */
  publish(topic: string, payload: unknown): void;
  /** Calls `handle` with each payload another node publishes on `topic`. */
  subscribe(topic: string, handle: (payload: unknown) => void): void;
  close(): Promise<void>;
}

const CHANNEL = "amigate_cluster";
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD = 7900;

export class PostgresClusterBus implements ClusterBus {
  readonly #node = randomUUID();
  readonly #handlers = new Map<string, Array<(payload: unknown) => void>>();
  #client: pg.Client | undefined;
  #closed = false;
  #retryMs = 500;
  #reconnect: NodeJS.Timeout | undefined;

  private constructor(private readonly url: string) {}

  /** Connects and listens; resolves once this node hears the channel. */
  static async open(url: string): Promise<PostgresClusterBus> {
    const bus = new PostgresClusterBus(url);
    await bus.#connect();
    return bus;
  }

  publish(topic: string, payload: unknown): void {
    const text = JSON.stringify({ node: this.#node, topic, payload });
    if (Buffer.byteLength(text) > MAX_PAYLOAD) throw new RangeError(`cluster event on ${topic} too large`);
    const client = this.#client;
    if (!client) return;
    client.query("SELECT pg_notify($1, $2)", [CHANNEL, text]).catch((e: Error) => this.#lost(client, e));
  }

  subscribe(topic: string, handle: (payload: unknown) => void): void {
    const list = this.#handlers.get(topic);
    if (list) list.push(handle);
    else this.#handlers.set(topic, [handle]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnect);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: "amigate-cluster-bus" });
    client.on("error", (e) => this.#lost(client, e));
    client.on("notification", (n) => {
      if (n.channel === CHANNEL && n.payload) this.#deliver(n.payload);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    if (this.#closed) {
      await client.end();
      return;
    }
    this.#client = client;
    this.#retryMs = 500;
  }

  #deliver(text: string): void {
    let event: { node?: unknown; topic?: unknown; payload?: unknown };
    try {
      event = JSON.parse(text) as typeof event;
    } catch {
      return; // not ours: another program on the channel
    }
    if (event.node === this.#node || typeof event.topic !== "string") return;
    for (const handle of this.#handlers.get(event.topic) ?? []) {
      try {
        handle(event.payload);
      } catch (e) {
        process.stderr.write(`amigate: cluster event on ${event.topic}: ${(e as Error).message}\n`);
      }
    }
  }

  /** The connection failed: drop it and connect again, waiting longer each time (up to 30 s). */
  #lost(client: pg.Client, e: Error): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = undefined;
    process.stderr.write(`amigate: cluster events (${redactedUrl(this.url)}): ${e.message}; reconnecting\n`);
    void client.end().catch(() => undefined);
    const retry = () => {
      this.#reconnect = setTimeout(() => {
        this.#connect().catch(() => {
          this.#retryMs = Math.min(30_000, this.#retryMs * 2);
          retry();
        });
      }, this.#retryMs);
      this.#reconnect.unref();
    };
    retry();
  }
}

/** The console's sign-in lockouts over the bus (topic "sign-in"); malformed events are dropped. */
export function signInPeersOver(bus: ClusterBus): SignInPeers {
  return {
    publish: (event) => bus.publish("sign-in", event),
    subscribe: (apply) =>
      bus.subscribe("sign-in", (payload) => {
        const e = payload as Partial<SignInEvent> | null;
        if (
          typeof e?.accessKeyId === "string" &&
          e.accessKeyId.length <= 128 &&
          (e.outcome === "failed" || e.outcome === "succeeded")
        )
          apply({ accessKeyId: e.accessKeyId, outcome: e.outcome });
      }),
  };
}
