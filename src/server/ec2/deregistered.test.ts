/**
 * Deregistered images (EC2 DescribeImages reference: "Recently deregistered images appear in the
 * returned results for a short interval and then return empty results"): listed with state
 * deregistered to whoever could see them, for --deregistered-listing; then empty results; a second
 * DeregisterImage, or any other call on the id, is InvalidAMIID.Unavailable.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { items, member, type TestCatalogue, testCatalogue } from "../../../test/support/catalogue.js";
import type { NewAccount } from "../store/types.js";

const HOUR = 3_600_000;
let c: TestCatalogue;
let owner: NewAccount;
let friend: NewAccount;
let stranger: NewAccount;
/** The server's clock, moved by the tests. */
let now = Date.now();

before(async () => {
  c = await testCatalogue({ deregisteredListingMs: HOUR, publicImageQuota: 0 });
  c.app.deps.now = () => new Date(now);
  owner = await c.account("dr-owner");
  friend = await c.account("dr-friend");
  stranger = await c.account("dr-stranger");
});
after(() => c.dispose());

async function sharedImage(name: string): Promise<string> {
  const r = await c.call(owner, "RegisterImage", { Name: name, RootDeviceName: "/dev/xvda" });
  const id = member(r, "RegisterImage", "imageId") as string;
  await c.call(owner, "ModifyImageAttribute", {
    ImageId: id,
    "LaunchPermission.Add.1.UserId": friend.account.accountId,
  });
  return id;
}

const describeIds = async (who: NewAccount, p: Record<string, string>) =>
  items(await c.call(who, "DescribeImages", p), "DescribeImages", "imagesSet").map(
    (i) => [i.imageId, i.imageState] as [string, string],
  );

describe("a deregistered image", () => {
  let id: string;
  before(async () => {
    id = await sharedImage("dr-shared");
    assert.equal(
      member(await c.call(owner, "DeregisterImage", { ImageId: id }), "DeregisterImage", "return"),
      "true",
    );
  });

  test("is listed with state deregistered to the owner and the accounts it was shared with", async () => {
    assert.deepEqual(await describeIds(owner, { "ImageId.1": id }), [[id, "deregistered"]]);
    assert.deepEqual(await describeIds(friend, { "ImageId.1": id }), [[id, "deregistered"]]);
    assert.ok((await describeIds(owner, { "Owner.1": "self" })).some(([i]) => i === id));
    assert.ok((await describeIds(friend, { "ExecutableBy.1": "self" })).some(([i]) => i === id));
    assert.ok(!(await describeIds(friend, { "ExecutableBy.1": "all" })).some(([i]) => i === id));
    const filtered = await describeIds(owner, {
      "Owner.1": "self",
      "Filter.1.Name": "state",
      "Filter.1.Value.1": "deregistered",
    });
    assert.ok(filtered.some(([i]) => i === id));
  });

  test("is not shown to an account that could not see it, and is not NotFound for it either", async () => {
    const r = await c.call(stranger, "DescribeImages", { "ImageId.1": id });
    assert.equal(r.status, 200, r.raw);
    assert.deepEqual(items(r, "DescribeImages", "imagesSet"), []);
  });

  test("a second DeregisterImage, and any other call on it, is InvalidAMIID.Unavailable", async () => {
    const again = await c.call(owner, "DeregisterImage", { ImageId: id });
    assert.deepEqual(
      [again.status, again.code, again.message],
      [400, "InvalidAMIID.Unavailable", `The image id '[${id}]' is no longer available`],
    );
    for (const [action, params] of [
      ["ModifyImageAttribute", { ImageId: id, "Description.Value": "x" }],
      ["DescribeImageAttribute", { ImageId: id, Attribute: "description" }],
      ["ResetImageAttribute", { ImageId: id, Attribute: "launchPermission" }],
      ["CreateTags", { "ResourceId.1": id, "Tag.1.Key": "k", "Tag.1.Value": "v" }],
    ] as const) {
      const r = await c.call(owner, action, params);
      assert.equal(r.code, "InvalidAMIID.Unavailable", `${action}: ${r.raw}`);
    }
    // For the account it was shared with too; one that never saw it is told it does not exist.
    assert.equal((await c.call(friend, "DeregisterImage", { ImageId: id })).code, "InvalidAMIID.Unavailable");
    assert.equal((await c.call(stranger, "DeregisterImage", { ImageId: id })).code, "InvalidAMIID.NotFound");
  });

  test("its name is free again at once", async () => {
    const r = await c.call(owner, "RegisterImage", { Name: "dr-shared", RootDeviceName: "/dev/xvda" });
    assert.equal(r.status, 200, r.raw);
  });

  test("after the interval: empty results by id, left out of listings, still Unavailable", async () => {
    now += HOUR + 1000;
    try {
      const r = await c.call(owner, "DescribeImages", { "ImageId.1": id });
      assert.equal(r.status, 200, r.raw);
      assert.deepEqual(items(r, "DescribeImages", "imagesSet"), []);
      assert.ok(!(await describeIds(owner, { "Owner.1": "self" })).some(([i]) => i === id));
      assert.equal(
        (await c.call(owner, "DeregisterImage", { ImageId: id })).code,
        "InvalidAMIID.Unavailable",
      );
    } finally {
      now -= HOUR + 1000;
    }
  });
});

test("paging mixes deregistered and live images in id order, each once", async () => {
  const seller = await c.account("dr-pager");
  const made: string[] = [];
  for (let n = 0; n < 7; n++) {
    const r = await c.call(seller, "RegisterImage", { Name: `page-${n}`, RootDeviceName: "/dev/xvda" });
    made.push(member(r, "RegisterImage", "imageId") as string);
  }
  for (const id of made.filter((_, n) => n % 2 === 0))
    await c.call(seller, "DeregisterImage", { ImageId: id });
  const seen: string[] = [];
  let token: string | undefined;
  do {
    const r = await c.call(seller, "DescribeImages", {
      "Owner.1": "self",
      MaxResults: "5",
      ...(token ? { NextToken: token } : {}),
    });
    const page = items(r, "DescribeImages", "imagesSet").map((i) => i.imageId as string);
    assert.ok(page.length <= 5);
    seen.push(...page);
    token = member(r, "DescribeImages", "nextToken") as string | undefined;
  } while (token);
  assert.deepEqual(seen, [...made].sort());
});

test("with --deregistered-listing 0 a deregistered image is never listed", async () => {
  const quick = await testCatalogue({ deregisteredListingMs: 0 });
  try {
    const a = await quick.account("dr-quick");
    const r = await quick.call(a, "RegisterImage", { Name: "quick", RootDeviceName: "/dev/xvda" });
    const id = member(r, "RegisterImage", "imageId") as string;
    await quick.call(a, "DeregisterImage", { ImageId: id });
    const d = await quick.call(a, "DescribeImages", { "ImageId.1": id });
    assert.equal(d.status, 200);
    assert.deepEqual(items(d, "DescribeImages", "imagesSet"), []);
    assert.equal((await quick.call(a, "DeregisterImage", { ImageId: id })).code, "InvalidAMIID.Unavailable");
  } finally {
    await quick.dispose();
  }
});
