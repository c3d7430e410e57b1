/**
 * EnableImageDeregistrationProtection / DisableImageDeregistrationProtection (model docs; the AWS
 * CLI's examples answer "enabled-without-cooldown" and "disabled"): DeregisterImage is refused
 * while protected; with a cooldown, for 24 hours more after the protection is disabled.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { items, member, type TestCatalogue, testCatalogue } from "../../../test/support/catalogue.js";
import type { NewAccount } from "../store/types.js";

const HOUR = 3_600_000;
let c: TestCatalogue;
let owner: NewAccount;
let now = Math.floor(Date.now() / 1000) * 1000;

before(async () => {
  c = await testCatalogue();
  c.app.deps.now = () => new Date(now);
  owner = await c.account("pr-owner");
});
after(() => c.dispose());

async function image(name: string): Promise<string> {
  const r = await c.call(owner, "RegisterImage", { Name: name, RootDeviceName: "/dev/xvda" });
  return member(r, "RegisterImage", "imageId") as string;
}

async function protection(id: string): Promise<[unknown, unknown]> {
  const [d] = items(
    await c.call(owner, "DescribeImages", { "ImageId.1": id }),
    "DescribeImages",
    "imagesSet",
  );
  const attr = await c.call(owner, "DescribeImageAttribute", {
    ImageId: id,
    Attribute: "deregistrationProtection",
  });
  const value = (member(attr, "DescribeImageAttribute", "deregistrationProtection") as { value?: string })
    .value;
  return [d!.deregistrationProtection, value];
}

const call = async (action: string, p: Record<string, string>) => {
  const r = await c.call(owner, action, p);
  return r.code ?? (member(r, action, "return") as string);
};

test("without cooldown: protected until disabled, then deregistered at once", async () => {
  const id = await image("pr-plain");
  assert.deepEqual(await protection(id), ["disabled", "disabled"]);
  assert.equal(
    await call("EnableImageDeregistrationProtection", { ImageId: id }),
    "enabled-without-cooldown",
  );
  assert.deepEqual(await protection(id), ["enabled-without-cooldown", "enabled-without-cooldown"]);
  const refused = await c.call(owner, "DeregisterImage", { ImageId: id });
  assert.deepEqual([refused.status, refused.code], [400, "OperationNotPermitted"]);
  assert.match(refused.message!, /has deregistration protection \(enabled-without-cooldown\)/);
  assert.equal(await call("DisableImageDeregistrationProtection", { ImageId: id }), "disabled");
  assert.equal(await call("DisableImageDeregistrationProtection", { ImageId: id }), "disabled", "twice");
  assert.equal(await call("DeregisterImage", { ImageId: id }), "true");
});

test("with cooldown: still protected for 24 hours after disabling, then free", async () => {
  const id = await image("pr-cooldown");
  assert.equal(
    await call("EnableImageDeregistrationProtection", { ImageId: id, WithCooldown: "true" }),
    "enabled-with-cooldown",
  );
  const until = new Date(now + 24 * HOUR).toISOString();
  assert.equal(
    await call("DisableImageDeregistrationProtection", { ImageId: id }),
    `disabled-until ${until}`,
  );
  assert.deepEqual(await protection(id), [`disabled-until ${until}`, `disabled-until ${until}`]);
  const refused = await c.call(owner, "DeregisterImage", { ImageId: id });
  assert.equal(refused.code, "OperationNotPermitted");
  assert.match(refused.message!, new RegExp(`protected from deregistration until ${until}`));
  // Disabling again does not move the end of the cooldown.
  now += HOUR;
  assert.equal(
    await call("DisableImageDeregistrationProtection", { ImageId: id }),
    `disabled-until ${until}`,
  );
  now += 23 * HOUR;
  try {
    assert.deepEqual(await protection(id), ["disabled", "disabled"]);
    assert.equal(await call("DeregisterImage", { ImageId: id }), "true");
  } finally {
    now -= 24 * HOUR;
  }
});

test("enabling again during the cooldown protects it again; WithCooldown must be a boolean", async () => {
  const id = await image("pr-again");
  await call("EnableImageDeregistrationProtection", { ImageId: id, WithCooldown: "true" });
  await call("DisableImageDeregistrationProtection", { ImageId: id });
  assert.equal(
    await call("EnableImageDeregistrationProtection", { ImageId: id, WithCooldown: "false" }),
    "enabled-without-cooldown",
  );
  assert.deepEqual(await protection(id), ["enabled-without-cooldown", "enabled-without-cooldown"]);
  assert.equal(await call("DisableImageDeregistrationProtection", { ImageId: id }), "disabled");
  assert.equal(
    await call("EnableImageDeregistrationProtection", { ImageId: id, WithCooldown: "yes" }),
    "InvalidParameterValue",
  );
});
