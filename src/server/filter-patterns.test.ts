/**
 * Issue #13: a tenant's DescribeImages filter value `**********x` against a 60-character image name
 * kept the event loop busy for minutes (a RegExp with one `.*` per star), so /amigate/health and
 * every other tenant timed out. Against a real `amigate serve`, with @aws-sdk/client-ec2.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DescribeImagesCommand, RegisterImageCommand } from "@aws-sdk/client-ec2";
import {
  createAccount,
  ec2Client,
  type Keys,
  type ServerProcess,
  startServer,
} from "../../test/support/server-process.js";

let server: ServerProcess;
let tenant: Keys;
let other: Keys;

before(async () => {
  server = await startServer();
  tenant = createAccount(server.dataDir, "tenant");
  other = createAccount(server.dataDir, "other");
});
after(async () => {
  // A server whose event loop is stuck (the bug) never runs its SIGTERM handler.
  const kill = setTimeout(() => server.child.kill("SIGKILL"), 5000);
  await server.stop();
  clearTimeout(kill);
});

const client = (keys: Keys) => ec2Client(server.url, keys);

/** 60 characters, as in the issue. */
const NAME = "ubuntu-22.04-amd64-server-web-frontend-build-20240517-000001";

async function names(keys: Keys, pattern: string): Promise<string[]> {
  const r = await client(keys).send(
    new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: [pattern] }] }),
  );
  return (r.Images ?? []).map((i) => i.Name!).sort();
}

/** GET /amigate/health, given up on after `ms`. */
async function health(ms: number): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  try {
    const res = await fetch(new URL("/amigate/health", server.url), { signal: AbortSignal.timeout(ms) });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  } catch (e) {
    throw new Error(`/amigate/health did not answer within ${ms} ms (${(e as Error).name})`);
  }
}

describe("DescribeImages filter values with many stars", () => {
  test("answer correctly while /amigate/health keeps answering", async () => {
    assert.equal(NAME.length, 60);
    await client(tenant).send(
      new RegisterImageCommand({
        Name: NAME,
        Architecture: "x86_64",
        VirtualizationType: "hvm",
        RootDeviceName: "/dev/xvda",
      }),
    );
    await client(other).send(
      new RegisterImageCommand({
        Name: "other-image",
        Architecture: "x86_64",
        VirtualizationType: "hvm",
        RootDeviceName: "/dev/xvda",
      }),
    );

    // The pattern and worse ones, all at once; health is asked while they are in flight.
    const hostile = [
      `${"*".repeat(10)}x`,
      `${"*".repeat(30)}x`,
      `${"*a".repeat(30)}x`,
      `${"?*".repeat(25)}x`,
    ];
    const calls = hostile.map((p) => names(tenant, p));
    const h = await health(5000);
    assert.equal(h.status, 200);
    assert.deepEqual(
      await Promise.all(calls),
      hostile.map(() => []),
    );
    assert.equal((await health(5000)).status, 200);

    // Patterns with many stars that do match still match, and only the caller's image.
    assert.deepEqual(await names(tenant, `${"*".repeat(10)}1`), [NAME]);
    assert.deepEqual(await names(tenant, `ubuntu${"*".repeat(30)}-000001`), [NAME]);
    assert.deepEqual(await names(tenant, "*-??.04-*-2024????-*"), [NAME]);
    assert.deepEqual(await names(tenant, "ubuntu-22.04-amd64-server-web-frontend-build-20240517-00000?"), [
      NAME,
    ]);
    assert.deepEqual(await names(tenant, `${"*e".repeat(4)}*`), [NAME]);
    assert.deepEqual(await names(tenant, `${"*e".repeat(5)}*`), []);
    assert.deepEqual(await names(tenant, "Ubuntu*"), []);
    assert.deepEqual(await names(other, `${"*".repeat(10)}1`), []);
  });
});
