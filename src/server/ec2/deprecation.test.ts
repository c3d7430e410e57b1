/**
 * EnableImageDeprecation / DisableImageDeprecation and what deprecation does to DescribeImages
 * (model docs; EC2 UG "Deprecate an AMI"): seconds rounded to the nearest minute, not in the past,
 * at most 10 years ahead (2 years after creation for a public image, which gets that date by
 * default); once deprecated, left out of other accounts' listings unless IncludeDeprecated or its
 * id is given; the owner always sees it.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { items, member, type TestCatalogue, testCatalogue } from "../../../test/support/catalogue.js";
import type { NewAccount } from "../store/types.js";

const DAY = 86_400_000;
let c: TestCatalogue;
let owner: NewAccount;
let friend: NewAccount;
let stranger: NewAccount;
/** The server's clock, moved by the tests: a whole minute, so expected times are exact. */
let now = Math.floor(Date.now() / 60_000) * 60_000;
const at = (ms: number) => new Date(ms).toISOString();

before(async () => {
  c = await testCatalogue({ publicImageQuota: 0 });
  c.app.deps.now = () => new Date(now);
  owner = await c.account("dp-owner");
  friend = await c.account("dp-friend");
  stranger = await c.account("dp-stranger");
});
after(() => c.dispose());

async function image(name: string, shareWith?: NewAccount): Promise<string> {
  const r = await c.call(owner, "RegisterImage", { Name: name, RootDeviceName: "/dev/xvda" });
  const id = member(r, "RegisterImage", "imageId") as string;
  if (shareWith)
    await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      "LaunchPermission.Add.1.UserId": shareWith.account.accountId,
    });
  return id;
}

const described = async (who: NewAccount, p: Record<string, string>) =>
  items(await c.call(who, "DescribeImages", p), "DescribeImages", "imagesSet");
const listed = async (who: NewAccount, p: Record<string, string>, id: string) =>
  (await described(who, p)).some((i) => i.imageId === id);

describe("EnableImageDeprecation", () => {
  test("rounds seconds to the nearest minute; DescribeImages shows the time as EC2 writes it", async () => {
    const id = await image("dp-round");
    const base = now + 3 * DAY;
    for (const [given, expected] of [
      [at(base + 29_999), at(base)],
      [at(base + 30_000), at(base + 60_000)],
      [at(base + 59_000).replace(".000Z", "Z"), at(base + 60_000)],
      [at(base).replace(".000Z", "+00:00"), at(base)],
    ] as const) {
      const r = await c.call(owner, "EnableImageDeprecation", { ImageId: id, DeprecateAt: given });
      assert.equal(member(r, "EnableImageDeprecation", "return"), "true", r.raw);
      const [d] = await described(owner, { "ImageId.1": id });
      assert.equal(d!.deprecationTime, expected, given);
    }
  });

  test("refuses a time in the past, past 10 years, or not a time; needs DeprecateAt", async () => {
    const id = await image("dp-limits");
    const cases: Array<[Record<string, string>, string, RegExp?]> = [
      [{ DeprecateAt: at(now - 60_000) }, "InvalidParameterValue", /in the past/],
      [{ DeprecateAt: at(now + 10_000) }, "InvalidParameterValue", /in the past/],
      [{ DeprecateAt: at(now + 3660 * DAY) }, "InvalidParameterValue", /more than 10 years/],
      [{ DeprecateAt: "next tuesday" }, "InvalidParameterValue", /deprecateAt/],
      [{ DeprecateAt: "2030-02-30" }, "InvalidParameterValue"],
      [{}, "MissingParameter", /DeprecateAt/],
    ];
    for (const [p, code, message] of cases) {
      const r = await c.call(owner, "EnableImageDeprecation", { ImageId: id, ...p });
      assert.equal(r.code, code, `${JSON.stringify(p)}: ${r.raw}`);
      if (message) assert.match(r.message!, message);
    }
    const ok = await c.call(owner, "EnableImageDeprecation", {
      ImageId: id,
      DeprecateAt: at(now + 3650 * DAY),
    });
    assert.equal(ok.status, 200, ok.raw);
  });

  test("DisableImageDeprecation cancels it; without one it is a no-op", async () => {
    const id = await image("dp-cancel");
    await c.call(owner, "EnableImageDeprecation", { ImageId: id, DeprecateAt: at(now + DAY) });
    for (let n = 0; n < 2; n++) {
      const r = await c.call(owner, "DisableImageDeprecation", { ImageId: id });
      assert.equal(member(r, "DisableImageDeprecation", "return"), "true");
    }
    const [d] = await described(owner, { "ImageId.1": id });
    assert.equal(d!.deprecationTime, undefined);
  });
});

describe("a deprecated image in DescribeImages", () => {
  let id: string;
  let pub: string;
  before(async () => {
    id = await image("dp-listed", friend);
    pub = await image("dp-public");
    await c.call(owner, "ModifyImageAttribute", { ImageId: pub, "LaunchPermission.Add.1.Group": "all" });
    for (const i of [id, pub])
      await c.call(owner, "EnableImageDeprecation", { ImageId: i, DeprecateAt: at(now + DAY) });
  });

  test("before its time it is listed to everyone who sees it", async () => {
    assert.ok(await listed(friend, {}, id));
    assert.ok(await listed(friend, { "ExecutableBy.1": "self" }, id));
    assert.ok(await listed(stranger, { "ExecutableBy.1": "all" }, pub));
  });

  test("once deprecated: the owner still sees it; others only by id or with IncludeDeprecated", async () => {
    now += DAY;
    try {
      for (const p of [{}, { "Owner.1": "self" }] as Array<Record<string, string>>)
        for (const i of [id, pub]) assert.ok(await listed(owner, p, i), `owner ${JSON.stringify(p)}`);
      for (const p of [{}, { "ExecutableBy.1": "self" }, { "Owner.1": owner.account.accountId }] as Array<
        Record<string, string>
      >)
        assert.ok(!(await listed(friend, p, id)), `friend ${JSON.stringify(p)}`);
      assert.ok(!(await listed(stranger, { "ExecutableBy.1": "all" }, pub)));
      assert.ok(!(await listed(stranger, {}, pub)));
      assert.ok(await listed(friend, { IncludeDeprecated: "true" }, id));
      assert.ok(await listed(friend, { "ExecutableBy.1": "self", IncludeDeprecated: "true" }, id));
      assert.ok(await listed(stranger, { "ExecutableBy.1": "all", IncludeDeprecated: "true" }, pub));
      assert.ok(await listed(friend, { "ImageId.1": id }, id));
      assert.ok(await listed(stranger, { "ImageId.1": pub }, pub));
      assert.equal(
        (await c.call(friend, "DescribeImages", { IncludeDeprecated: "maybe" })).code,
        "InvalidParameterValue",
      );
    } finally {
      now -= DAY;
    }
  });
});

describe("public images", () => {
  test("are deprecated 2 years after creation by default, no later; the date stays while public", async () => {
    const id = await image("dp-default");
    await c.call(owner, "EnableImageDeprecation", { ImageId: id, DeprecateAt: at(now + 5 * 365 * DAY) });
    assert.equal(
      (await c.call(owner, "ModifyImageAttribute", { ImageId: id, "LaunchPermission.Add.1.Group": "all" }))
        .status,
      200,
    );
    const [d] = await described(owner, { "ImageId.1": id });
    const created = new Date(d!.creationDate as string);
    const limit = new Date(created);
    limit.setUTCFullYear(created.getUTCFullYear() + 2);
    assert.equal(d!.deprecationTime, limit.toISOString());
    const later = await c.call(owner, "EnableImageDeprecation", {
      ImageId: id,
      DeprecateAt: at(limit.getTime() + 60 * DAY),
    });
    assert.equal(later.code, "InvalidParameterValue");
    assert.match(later.message!, /at most 2 years after its creation/);
    const sooner = await c.call(owner, "EnableImageDeprecation", { ImageId: id, DeprecateAt: at(now + DAY) });
    assert.equal(sooner.status, 200);
    const cancel = await c.call(owner, "DisableImageDeprecation", { ImageId: id });
    assert.equal(cancel.code, "OperationNotPermitted");
    // Private again, the date can be cancelled or moved.
    await c.call(owner, "ModifyImageAttribute", { ImageId: id, "LaunchPermission.Remove.1.Group": "all" });
    assert.equal((await c.call(owner, "DisableImageDeprecation", { ImageId: id })).status, 200);
    const [after] = await described(owner, { "ImageId.1": id });
    assert.equal(after!.deprecationTime, undefined);
  });
});
