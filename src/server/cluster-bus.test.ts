/**
 * The API nodes' events over LISTEN/NOTIFY (cluster-bus.ts) on a throwaway PostgreSQL cluster: an
 * event reaches the other nodes and not its sender, malformed ones are dropped, and the console's
 * sign-in lockout earned through one node holds on another (and a success clears it everywhere).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { type PostgresCluster, postgresMissing, startPostgres } from "../../test/support/postgres.js";
import { type ClusterBus, PostgresClusterBus, signInPeersOver } from "./cluster-bus.js";
import { FREE_FAILURES, SignInThrottle } from "./console/throttle.js";

async function until(what: string, test: () => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (test()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe("events between API nodes (LISTEN/NOTIFY)", { skip: postgresMissing() }, () => {
  let cluster: PostgresCluster;
  let url: string;
  const buses: ClusterBus[] = [];
  const bus = async () => {
    const b = await PostgresClusterBus.open(url);
    buses.push(b);
    return b;
  };
  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
  });
  after(async () => {
    for (const b of buses) await b.close();
    cluster?.stop();
  });

  test("an event reaches every other node, not its sender; other payloads on the channel are dropped", async () => {
    const [a, b, c] = [await bus(), await bus(), await bus()];
    const heard: Array<[string, unknown]> = [];
    for (const [name, node] of [
      ["a", a],
      ["b", b],
      ["c", c],
    ] as const)
      node.subscribe("greeting", (p) => heard.push([name, p]));
    a.publish("greeting", { from: "a" });
    // Another program on the channel, and an event of a topic nobody follows.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("SELECT pg_notify('amigate_cluster', 'not json')");
    await client.end();
    b.publish("other", 1);
    await until("b and c hearing a", () => heard.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(heard.sort(), [
      ["b", { from: "a" }],
      ["c", { from: "a" }],
    ]);
  });

  test("a sign-in lockout earned through one node holds on the other; a success clears it on both", async () => {
    const now = Date.now();
    const [one, two] = [
      new SignInThrottle(() => now, signInPeersOver(await bus())),
      new SignInThrottle(() => now, signInPeersOver(await bus())),
    ];
    const key = "AKIAEXAMPLEEXAMPLE01";
    for (let i = 0; i < FREE_FAILURES; i++) one.failed(key);
    assert.ok(one.retryAfterMs(key) > 0);
    await until("the lockout on node two", () => two.retryAfterMs(key) > 0);
    assert.equal(two.retryAfterMs(key), one.retryAfterMs(key));
    two.succeeded(key);
    await until("the lockout lifted on node one", () => one.retryAfterMs(key) === 0);
    assert.equal(one.size, 0);
  });
});
