/**
 * DisableImage / EnableImage (model docs; EC2 UG "Disable an AMI"): disabling removes every launch
 * permission (the image is private, its published listing withdrawn), leaves it out of
 * DescribeImages unless IncludeDisabled, refuses sharing and attribute changes until EnableImage,
 * and other accounts can neither see nor pull it; enabling does not give the lost access back.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  bodyText,
  items,
  member,
  type TestCatalogue,
  testCatalogue,
} from "../../../test/support/catalogue.js";
import { listingOf } from "../../../test/support/listing-tester.js";
import { testImage } from "../../../test/support/store.js";
import { signHeaders } from "../sign.js";
import type { NewAccount } from "../store/types.js";

let c: TestCatalogue;
let owner: NewAccount;
let friend: NewAccount;
let stranger: NewAccount;

before(async () => {
  c = await testCatalogue({ publicImageQuota: 0 });
  owner = await c.account("di-owner");
  friend = await c.account("di-friend");
  stranger = await c.account("di-stranger");
});
after(() => c.dispose());

async function image(name: string): Promise<string> {
  const r = await c.call(owner, "RegisterImage", { Name: name, RootDeviceName: "/dev/xvda" });
  return member(r, "RegisterImage", "imageId") as string;
}

const described = async (who: NewAccount, p: Record<string, string>) =>
  items(await c.call(who, "DescribeImages", p), "DescribeImages", "imagesSet");

/** A signed GET of one of our own paths, in process. */
async function get(who: NewAccount, p: string): Promise<{ status: number; text: string }> {
  const url = new URL(p, "http://127.0.0.1:8754");
  const headers = await signHeaders(who, { method: "GET", url, headers: {}, body: "" });
  const res = await c.app.handle({
    method: "GET",
    url: p,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.alloc(0),
    remoteAddress: "127.0.0.1",
  });
  return { status: res.status, text: await bodyText(res) };
}

describe("a disabled image", () => {
  let id: string;
  before(async () => {
    id = await image("di-shared");
    await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      "LaunchPermission.Add.1.UserId": friend.account.accountId,
      "LaunchPermission.Add.2.Group": "all",
    });
    await c.store.putListing(
      owner.account.accountId,
      listingOf({ imageId: id, name: "di-shared" }),
      owner.account.accountId,
    );
    assert.equal(await c.store.setListingPublished(id, true), true);
    assert.ok((await described(friend, { "ImageId.1": id })).length === 1);
    const r = await c.call(owner, "DisableImage", { ImageId: id });
    assert.equal(member(r, "DisableImage", "return"), "true", r.raw);
  });

  test("is private, has no launch permissions, and its listing is withdrawn", async () => {
    const lp = await c.call(owner, "DescribeImageAttribute", { ImageId: id, Attribute: "launchPermission" });
    assert.deepEqual(items(lp, "DescribeImageAttribute", "launchPermission"), []);
    assert.equal((await c.store.listing(id))?.publishedAt, undefined);
    assert.equal(await c.store.countPublicImages(owner.account.accountId), 0);
  });

  test("is left out of DescribeImages, the owner's too, unless IncludeDisabled", async () => {
    assert.deepEqual(await described(owner, { "ImageId.1": id }), []);
    assert.ok(!(await described(owner, { "Owner.1": "self" })).some((i) => i.imageId === id));
    const [d] = await described(owner, { "ImageId.1": id, IncludeDisabled: "true" });
    assert.deepEqual([d!.imageState, d!.isPublic], ["disabled", "false"]);
    const filtered = await described(owner, {
      "Owner.1": "self",
      IncludeDisabled: "true",
      "Filter.1.Name": "state",
      "Filter.1.Value.1": "disabled",
    });
    assert.deepEqual(
      filtered.map((i) => i.imageId),
      [id],
    );
  });

  test("other accounts neither see nor pull it; the owner still can", async () => {
    for (const who of [friend, stranger]) {
      assert.deepEqual(await described(who, { "ImageId.1": id, IncludeDisabled: "true" }), []);
      const pull = await get(who, `/amigate/images/${id}/blob`);
      assert.equal(pull.status, 400);
      assert.match(pull.text, /InvalidAMIID\.NotFound/);
    }
    assert.doesNotMatch((await get(owner, `/amigate/images/${id}/scan.json`)).text, /InvalidAMIID\.NotFound/);
  });

  test("cannot be shared or have its attributes changed until enabled", async () => {
    for (const change of [
      { "LaunchPermission.Add.1.UserId": friend.account.accountId },
      { "LaunchPermission.Add.1.Group": "all" },
      { "Description.Value": "new words" },
    ] as Array<Record<string, string>>) {
      const r = await c.call(owner, "ModifyImageAttribute", { ImageId: id, ...change });
      assert.deepEqual(
        [r.status, r.code, r.message],
        [400, "InvalidAMIID.Unavailable", `The image id '[${id}]' is disabled`],
        JSON.stringify(change),
      );
    }
    // What does not share it still works: reset (nothing to remove), deprecation, disabling again.
    assert.equal(
      (await c.call(owner, "ResetImageAttribute", { ImageId: id, Attribute: "launchPermission" })).status,
      200,
    );
    assert.equal((await c.call(owner, "DisableImage", { ImageId: id })).status, 200);
  });

  test("EnableImage: available and shareable again; the accounts that lost access do not get it back", async () => {
    const r = await c.call(owner, "EnableImage", { ImageId: id });
    assert.equal(member(r, "EnableImage", "return"), "true", r.raw);
    const [d] = await described(owner, { "ImageId.1": id });
    assert.equal(d!.imageState, "available");
    assert.deepEqual(await described(friend, { "ImageId.1": id }), []);
    assert.equal(
      (
        await c.call(owner, "ModifyImageAttribute", {
          ImageId: id,
          "LaunchPermission.Add.1.UserId": friend.account.accountId,
        })
      ).status,
      200,
    );
    assert.equal((await described(friend, { "ImageId.1": id })).length, 1);
    assert.equal((await c.call(owner, "EnableImage", { ImageId: id })).status, 200, "enabling twice");
  });
});

test("a pending image (its scan running) is IncorrectState; a disabled one can be deregistered", async () => {
  const pending = testImage(owner.account.accountId, "di-pending", { state: "pending" });
  await c.store.insertImage(pending, []);
  const r = await c.call(owner, "DisableImage", { ImageId: pending.imageId });
  assert.equal(r.code, "IncorrectState", r.raw);
  const id = await image("di-deregister");
  await c.call(owner, "DisableImage", { ImageId: id });
  assert.equal((await c.call(owner, "DeregisterImage", { ImageId: id })).status, 200);
});
