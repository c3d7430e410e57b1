/**
 * Durability and concurrency against a real server process: an acknowledged ModifyImageAttribute
 * survives `kill -9`, and concurrent add/remove from several clients ends in a state some serial
 * order of the same calls would give.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEc2 } from "../../test/support/catalogue.js";
import {
  createAccount,
  ec2Http,
  type Keys,
  type ServerProcess,
  startServer,
} from "../../test/support/server-process.js";

let server: ServerProcess;
let owner: Keys;

before(async () => {
  server = await startServer();
  owner = createAccount(server.dataDir, "durable");
});
after(() => server.stop());

async function call(keys: Keys, action: string, params: Record<string, string>) {
  const { status, raw } = await ec2Http(server.url, keys, action, params);
  return parseEc2(raw, status);
}

const lp = async (imageId: string) =>
  [
    ...(
      await call(owner, "DescribeImageAttribute", { ImageId: imageId, Attribute: "launchPermission" })
    ).raw.matchAll(/<userId>(\d+)<\/userId>/g),
  ]
    .map((m) => m[1]!)
    .sort();

test("an acknowledged ModifyImageAttribute survives kill -9", async () => {
  const r = await call(owner, "RegisterImage", { Name: "durable-1", RootDeviceName: "/dev/xvda" });
  const imageId = /<imageId>(ami-[0-9a-f]+)<\/imageId>/.exec(r.raw)![1]!;
  const ack = await call(owner, "ModifyImageAttribute", {
    ImageId: imageId,
    "LaunchPermission.Add.1.UserId": "111122223333",
  });
  assert.equal(ack.status, 200);
  // SIGKILL right after the acknowledgement: no shutdown hook runs.
  await server.stop("SIGKILL");
  assert.equal(server.child.signalCode, "SIGKILL");
  server = await startServer(server.dataDir);
  assert.deepEqual(await lp(imageId), ["111122223333"]);
});

test("concurrent add/remove from several clients ends in a serial-order state", async () => {
  const r = await call(owner, "RegisterImage", { Name: "concurrent-1", RootDeviceName: "/dev/xvda" });
  const imageId = /<imageId>(ami-[0-9a-f]+)<\/imageId>/.exec(r.raw)![1]!;
  const ids = Array.from({ length: 40 }, (_, i) => String(200000000000 + i));
  // Each client adds its ids, then removes every other one; clients interleave freely.
  const clients = [0, 1, 2, 3].map(async (c) => {
    const mine = ids.filter((_, i) => i % 4 === c);
    await Promise.all(
      mine.map((id) =>
        call(owner, "ModifyImageAttribute", { ImageId: imageId, "LaunchPermission.Add.1.UserId": id }),
      ),
    );
    const removed = mine.filter((_, i) => i % 2 === 0);
    await Promise.all(
      removed.map((id) =>
        call(owner, "ModifyImageAttribute", { ImageId: imageId, "LaunchPermission.Remove.1.UserId": id }),
      ),
    );
    return mine.filter((_, i) => i % 2 === 1);
  });
  const kept = (await Promise.all(clients)).flat().sort();
  // Every add of an id precedes its remove within one client, so any serial order gives `kept`.
  assert.deepEqual(await lp(imageId), kept);
  assert.equal(kept.length, 20);
});
