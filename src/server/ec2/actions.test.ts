import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { items, member, type TestCatalogue, testCatalogue } from "../../../test/support/catalogue.js";
import type { NewAccount } from "../store/types.js";

let c: TestCatalogue;
let owner: NewAccount;
let friend: NewAccount;
let stranger: NewAccount;

before(async () => {
  c = await testCatalogue();
  owner = await c.account("owner");
  friend = await c.account("friend");
  stranger = await c.account("stranger");
});
after(() => c.dispose());

async function register(who: NewAccount, name: string, extra: Record<string, string> = {}): Promise<string> {
  const r = await c.call(who, "RegisterImage", {
    Name: name,
    Architecture: "x86_64",
    VirtualizationType: "hvm",
    RootDeviceName: "/dev/xvda",
    ...extra,
  });
  assert.equal(r.status, 200, r.raw);
  return member(r, "RegisterImage", "imageId") as string;
}

/** The images `who` sees when describing `id` (none, or that one). */
const described = async (who: NewAccount, id: string) =>
  items(await c.call(who, "DescribeImages", { "ImageId.1": id }), "DescribeImages", "imagesSet");

const perms = async (id: string) =>
  items(
    await c.call(owner, "DescribeImageAttribute", { ImageId: id, Attribute: "launchPermission" }),
    "DescribeImageAttribute",
    "launchPermission",
  );

describe("RegisterImage", () => {
  test("defaults, tags, duplicate and malformed names", async () => {
    const id = await register(owner, "reg-1", {
      Description: "first",
      "BlockDeviceMapping.1.DeviceName": "/dev/xvda",
      "BlockDeviceMapping.1.Ebs.SnapshotId": "snap-0123456789abcdef0",
      "BlockDeviceMapping.1.Ebs.Encrypted": "true",
      "TagSpecification.1.ResourceType": "image",
      "TagSpecification.1.Tag.1.Key": "team",
      "TagSpecification.1.Tag.1.Value": "web",
    });
    assert.match(id, /^ami-[0-9a-f]{17}$/);
    const [img] = await described(owner, id);
    assert.equal(img!.name, "reg-1");
    assert.equal(img!.description, "first");
    assert.equal(img!.imageOwnerId, owner.account.accountId);
    assert.equal(img!.isPublic, "false");
    assert.equal(img!.rootDeviceType, "ebs");
    assert.deepEqual((img!.tagSet as { item: unknown[] }).item, [{ key: "team", value: "web" }]);
    const bdm = (img!.blockDeviceMapping as { item: Array<Record<string, Record<string, string>>> }).item[0]!;
    assert.equal(bdm.ebs!.encrypted, "true");
    const dup = await c.call(owner, "RegisterImage", { Name: "reg-1", RootDeviceName: "/dev/xvda" });
    assert.equal(dup.code, "InvalidAMIName.Duplicate");
    assert.equal(dup.message, `AMI name reg-1 is already in use by AMI ${id}`);
    assert.equal((await c.call(owner, "RegisterImage", { Name: "ab" })).code, "InvalidAMIName.Malformed");
    assert.equal((await c.call(owner, "RegisterImage", {})).code, "MissingParameter");
    // Another owner may use the same name.
    await register(friend, "reg-1");
    const plain = await register(owner, "reg-defaults-only", { Architecture: "x86_64" });
    const [d] = await described(owner, plain);
    assert.equal(d!.virtualizationType, "hvm");
  });

  test("EC2's documented defaults when nothing is given: i386, paravirtual", async () => {
    const r = await c.call(owner, "RegisterImage", {
      Name: "bare-defaults",
      RootDeviceName: "/dev/xvda",
    });
    const id = member(r, "RegisterImage", "imageId") as string;
    const [d] = await described(owner, id);
    assert.equal(d!.architecture, "i386");
    assert.equal(d!.virtualizationType, "paravirtual");
  });
});

describe("DescribeImages", () => {
  test("ids: malformed, not found (one and several), invisible left out", async () => {
    const priv = await register(owner, "desc-private");
    const bad = await c.call(owner, "DescribeImages", { "ImageId.1": "ami-xyz" });
    assert.deepEqual(
      [bad.status, bad.code, bad.message],
      [400, "InvalidAMIID.Malformed", 'Invalid id: "ami-xyz" (expecting "ami-...")'],
    );
    const one = await c.call(owner, "DescribeImages", { "ImageId.1": "ami-00000000000000000" });
    assert.deepEqual(
      [one.code, one.message],
      ["InvalidAMIID.NotFound", "The image id '[ami-00000000000000000]' does not exist"],
    );
    const two = await c.call(owner, "DescribeImages", {
      "ImageId.1": "ami-00000000000000000",
      "ImageId.2": "ami-00000000000000001",
    });
    assert.equal(two.message, "The image ids '[ami-00000000000000000, ami-00000000000000001]' do not exist");
    const hidden = await c.call(stranger, "DescribeImages", { "ImageId.1": priv });
    assert.equal(hidden.status, 200);
    assert.deepEqual(items(hidden, "DescribeImages", "imagesSet"), []);
  });

  test("Owner and ExecutableBy narrow the visible set (FND-1)", async () => {
    const mine = await register(owner, "fnd-mine");
    const shared = await register(owner, "fnd-shared");
    const pub = await register(owner, "fnd-public");
    await c.call(owner, "ModifyImageAttribute", {
      ImageId: shared,
      "LaunchPermission.Add.1.UserId": friend.account.accountId,
    });
    await c.call(owner, "ModifyImageAttribute", { ImageId: pub, "LaunchPermission.Add.1.Group": "all" });
    const ids = async (who: NewAccount, p: Record<string, string>) =>
      items(await c.call(who, "DescribeImages", p), "DescribeImages", "imagesSet")
        .map((i) => i.imageId as string)
        .filter((i) => [mine, shared, pub].includes(i))
        .sort();
    assert.deepEqual(await ids(friend, {}), [shared, pub].sort());
    assert.deepEqual(await ids(stranger, {}), [pub]);
    assert.deepEqual(await ids(owner, { "Owner.1": "self" }), [mine, shared, pub].sort());
    assert.deepEqual(await ids(friend, { "Owner.1": "self" }), []);
    assert.deepEqual(await ids(friend, { "ExecutableBy.1": "self" }), [shared]);
    // `self` excludes images you own.
    assert.deepEqual(await ids(owner, { "ExecutableBy.1": "self" }), []);
    assert.deepEqual(await ids(friend, { "ExecutableBy.1": friend.account.accountId }), [shared]);
    assert.deepEqual(await ids(stranger, { "ExecutableBy.1": "all" }), [pub]);
    assert.deepEqual(await ids(owner, { "ExecutableBy.1": friend.account.accountId }), [shared]);
    assert.deepEqual(await ids(stranger, { "Owner.1": owner.account.accountId }), [pub]);
    assert.deepEqual(await ids(friend, { "Owner.1": owner.account.accountId, "ExecutableBy.1": "self" }), [
      shared,
    ]);
    const bad = await c.call(owner, "DescribeImages", { "Owner.1": "1234" });
    assert.deepEqual([bad.code, bad.message], ["InvalidUserID.Malformed", 'Invalid user id: "1234"']);
    assert.equal(
      (await c.call(owner, "DescribeImages", { "ExecutableBy.1": "someone" })).code,
      "InvalidUserID.Malformed",
    );
  });

  test("filters: wildcards, tags, is-public, AND across filters, OR within; unknown filter", async () => {
    await register(owner, "flt-web-1.0", { Description: "web server" });
    const b = await register(owner, "flt-web-2.0", { Architecture: "arm64" });
    await register(owner, "flt-db-1.0");
    await c.call(owner, "CreateTags", { "ResourceId.1": b, "Tag.1.Key": "stage", "Tag.1.Value": "prod" });
    const names = async (filters: Record<string, string>) =>
      items(
        await c.call(owner, "DescribeImages", { "Owner.1": "self", ...filters }),
        "DescribeImages",
        "imagesSet",
      )
        .map((i) => i.name as string)
        .filter((n) => n.startsWith("flt-"))
        .sort();
    assert.deepEqual(await names({ "Filter.1.Name": "name", "Filter.1.Value.1": "flt-web-*" }), [
      "flt-web-1.0",
      "flt-web-2.0",
    ]);
    assert.deepEqual(await names({ "Filter.1.Name": "name", "Filter.1.Value.1": "flt-????-1.0" }), []);
    assert.deepEqual(await names({ "Filter.1.Name": "name", "Filter.1.Value.1": "flt-??-1.0" }), [
      "flt-db-1.0",
    ]);
    assert.deepEqual(
      await names({
        "Filter.1.Name": "name",
        "Filter.1.Value.1": "flt-web-*",
        "Filter.2.Name": "architecture",
        "Filter.2.Value.1": "arm64",
      }),
      ["flt-web-2.0"],
    );
    assert.deepEqual(
      await names({
        "Filter.1.Name": "name",
        "Filter.1.Value.1": "flt-db-1.0",
        "Filter.1.Value.2": "flt-web-1.0",
      }),
      ["flt-db-1.0", "flt-web-1.0"],
    );
    assert.deepEqual(await names({ "Filter.1.Name": "tag:stage", "Filter.1.Value.1": "prod" }), [
      "flt-web-2.0",
    ]);
    assert.deepEqual(await names({ "Filter.1.Name": "tag-key", "Filter.1.Value.1": "stage" }), [
      "flt-web-2.0",
    ]);
    assert.deepEqual(await names({ "Filter.1.Name": "description", "Filter.1.Value.1": "*server" }), [
      "flt-web-1.0",
    ]);
    // Case-sensitive.
    assert.deepEqual(await names({ "Filter.1.Name": "name", "Filter.1.Value.1": "FLT-*" }), []);
    const unknown = await c.call(owner, "DescribeImages", {
      "Filter.1.Name": "colour",
      "Filter.1.Value.1": "x",
    });
    assert.deepEqual(
      [unknown.code, unknown.message],
      ["InvalidParameterValue", "The filter 'colour' is invalid"],
    );
  });

  test("MaxResults / NextToken pages through every image once", async () => {
    for (let i = 0; i < 7; i++) await register(stranger, `page-${i}`);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await c.call(stranger, "DescribeImages", {
        "Owner.1": "self",
        MaxResults: "5",
        ...(token ? { NextToken: token } : {}),
      });
      seen.push(...items(r, "DescribeImages", "imagesSet").map((i) => i.name as string));
      token = member(r, "DescribeImages", "nextToken") as string | undefined;
      pages++;
    } while (token && pages < 10);
    assert.equal(pages, 2);
    assert.deepEqual(
      seen.sort(),
      Array.from({ length: 7 }, (_, i) => `page-${i}`),
    );
    assert.equal(
      (await c.call(stranger, "DescribeImages", { MaxResults: "2" })).code,
      "InvalidParameterValue",
    );
  });
});

describe("ModifyImageAttribute / DescribeImageAttribute / ResetImageAttribute", () => {
  test("structured form: add, coexist, remove all leaves explicit (PRM-2, PRM-4)", async () => {
    const id = await register(owner, "lp-structured");
    const f = friend.account.accountId;
    await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      "LaunchPermission.Add.1.UserId": f,
      "LaunchPermission.Add.2.Group": "all",
      "LaunchPermission.Add.3.UserId": "111122223333",
    });
    assert.deepEqual(await perms(id), [{ userId: f }, { group: "all" }, { userId: "111122223333" }]);
    // Idempotent add, remove of an absent entry is a no-op.
    await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      "LaunchPermission.Add.1.UserId": f,
      "LaunchPermission.Remove.1.UserId": "999999999999",
    });
    assert.equal((await perms(id)).length, 3);
    await c.call(owner, "ModifyImageAttribute", { ImageId: id, "LaunchPermission.Remove.1.Group": "all" });
    assert.deepEqual(await perms(id), [{ userId: f }, { userId: "111122223333" }]);
    const [img] = await described(owner, id);
    assert.equal(img!.isPublic, "false");
  });

  test("legacy form: OperationType + UserId.N / UserGroup.N", async () => {
    const id = await register(owner, "lp-legacy");
    const r = await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      Attribute: "launchPermission",
      OperationType: "add",
      "UserId.1": "111122223333",
      "UserGroup.1": "all",
    });
    assert.equal(member(r, "ModifyImageAttribute", "return"), "true");
    assert.deepEqual(await perms(id), [{ userId: "111122223333" }, { group: "all" }]);
    await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      Attribute: "launchPermission",
      OperationType: "remove",
      "UserId.1": "111122223333",
    });
    assert.deepEqual(await perms(id), [{ group: "all" }]);
  });

  test("validation happens before any change; exact codes", async () => {
    const id = await register(owner, "lp-validate");
    const bad = await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      "LaunchPermission.Add.1.UserId": "111122223333",
      "LaunchPermission.Add.2.UserId": "1111-2222-3333",
    });
    assert.deepEqual(
      [bad.status, bad.code, bad.message],
      [
        400,
        "InvalidAMIAttributeItemValue",
        'Invalid attribute item value "1111-2222-3333" for userId item type.',
      ],
    );
    assert.deepEqual(await perms(id), []);
    const grp = await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      "LaunchPermission.Add.1.Group": "everyone",
    });
    assert.equal(grp.message, 'Invalid attribute item value "everyone" for UserGroup item type.');
    const none = await c.call(owner, "ModifyImageAttribute", { ImageId: id });
    assert.deepEqual([none.code, none.message], ["InvalidParameterCombination", "No attributes specified."]);
    // The owner never appears in the list.
    await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      "LaunchPermission.Add.1.UserId": owner.account.accountId,
    });
    assert.deepEqual(await perms(id), []);
  });

  test("description and the scalar attributes; case-sensitive names", async () => {
    const id = await register(owner, "attr-desc", { Description: "old" });
    await c.call(owner, "ModifyImageAttribute", { ImageId: id, "Description.Value": "new" });
    const d = await c.call(owner, "DescribeImageAttribute", { ImageId: id, Attribute: "description" });
    assert.deepEqual(member(d, "DescribeImageAttribute", "description"), { value: "new" });
    await c.call(owner, "ModifyImageAttribute", { ImageId: id, Attribute: "description", Value: "legacy" });
    const d2 = await c.call(owner, "DescribeImageAttribute", { ImageId: id, Attribute: "description" });
    assert.deepEqual(member(d2, "DescribeImageAttribute", "description"), { value: "legacy" });
    const wrongCase = await c.call(owner, "DescribeImageAttribute", { ImageId: id, Attribute: "TpmSupport" });
    assert.deepEqual(
      [wrongCase.code, wrongCase.message],
      ["InvalidRequest", "The request received was invalid."],
    );
    const bdm = await c.call(owner, "DescribeImageAttribute", {
      ImageId: id,
      Attribute: "blockDeviceMapping",
    });
    assert.deepEqual(
      [bdm.code, bdm.message],
      ["AuthFailure", "Unauthorized attempt to access restricted resource"],
    );
  });

  test("reset removes public and explicit permissions; the owner keeps access (PRM-6)", async () => {
    const id = await register(owner, "lp-reset");
    await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      "LaunchPermission.Add.1.Group": "all",
      "LaunchPermission.Add.2.UserId": friend.account.accountId,
    });
    const r = await c.call(owner, "ResetImageAttribute", { ImageId: id, Attribute: "launchPermission" });
    assert.equal(member(r, "ResetImageAttribute", "return"), "true");
    assert.deepEqual(await perms(id), []);
    assert.equal((await described(friend, id)).length, 0);
    assert.equal((await described(owner, id)).length, 1);
    assert.equal(
      (await c.call(owner, "ResetImageAttribute", { ImageId: id, Attribute: "description" })).code,
      "InvalidParameterValue",
    );
  });
});

describe("tags, deregister, block public access, DryRun, audit", () => {
  test("tags are per account: a consumer's tags are its own", async () => {
    const id = await register(owner, "tags-shared");
    await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      "LaunchPermission.Add.1.UserId": friend.account.accountId,
    });
    await c.call(owner, "CreateTags", {
      "ResourceId.1": id,
      "Tag.1.Key": "secret-project",
      "Tag.1.Value": "x",
    });
    await c.call(friend, "CreateTags", { "ResourceId.1": id, "Tag.1.Key": "mine", "Tag.1.Value": "y" });
    const [seen] = await described(friend, id);
    assert.deepEqual((seen!.tagSet as { item: unknown[] }).item, [{ key: "mine", value: "y" }]);
    const t = items(
      await c.call(owner, "DescribeTags", { "Filter.1.Name": "resource-id", "Filter.1.Value.1": id }),
      "DescribeTags",
      "tagSet",
    );
    assert.deepEqual(t, [{ resourceId: id, resourceType: "image", key: "secret-project", value: "x" }]);
    await c.call(owner, "DeleteTags", {
      "ResourceId.1": id,
      "Tag.1.Key": "secret-project",
      "Tag.1.Value": "other",
    });
    assert.equal(
      items(
        await c.call(owner, "DescribeTags", { "Filter.1.Name": "resource-id", "Filter.1.Value.1": id }),
        "DescribeTags",
        "tagSet",
      ).length,
      1,
    );
    await c.call(owner, "DeleteTags", { "ResourceId.1": id, "Tag.1.Key": "secret-project" });
    assert.equal(
      items(
        await c.call(owner, "DescribeTags", { "Filter.1.Name": "resource-id", "Filter.1.Value.1": id }),
        "DescribeTags",
        "tagSet",
      ).length,
      0,
    );
    assert.equal(
      (await c.call(stranger, "CreateTags", { "ResourceId.1": id, "Tag.1.Key": "k", "Tag.1.Value": "v" }))
        .code,
      "InvalidAMIID.NotFound",
    );
    assert.equal(
      (await c.call(owner, "CreateTags", { "ResourceId.1": id, "Tag.1.Key": "aws:x", "Tag.1.Value": "v" }))
        .code,
      "InvalidParameterValue",
    );
  });

  test("deregister: owner only; the image is gone (deregistered.test.ts: listed for a while)", async () => {
    const id = await register(owner, "dereg");
    await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      "LaunchPermission.Add.1.UserId": friend.account.accountId,
    });
    const denied = await c.call(friend, "DeregisterImage", { ImageId: id });
    assert.deepEqual(
      [denied.status, denied.code, denied.message],
      [400, "AuthFailure", `Not authorized for image:${id}`],
    );
    assert.equal(
      member(await c.call(owner, "DeregisterImage", { ImageId: id }), "DeregisterImage", "return"),
      "true",
    );
    const [gone] = await described(owner, id);
    assert.equal(gone!.imageState, "deregistered");
    assert.equal(
      (await c.call(friend, "DescribeImageAttribute", { ImageId: id, Attribute: "description" })).code,
      "InvalidAMIID.Unavailable",
    );
    assert.equal((await c.call(owner, "DeregisterImage", { ImageId: id })).code, "InvalidAMIID.Unavailable");
  });

  test("block public access refuses Group=all with EC2's message; explicit shares still work", async () => {
    const id = await register(owner, "bpa");
    const on = await c.call(owner, "EnableImageBlockPublicAccess", {
      ImageBlockPublicAccessState: "block-new-sharing",
    });
    assert.equal(
      member(on, "EnableImageBlockPublicAccess", "imageBlockPublicAccessState"),
      "block-new-sharing",
    );
    const get = await c.call(owner, "GetImageBlockPublicAccessState");
    assert.equal(
      member(get, "GetImageBlockPublicAccessState", "imageBlockPublicAccessState"),
      "block-new-sharing",
    );
    assert.equal(member(get, "GetImageBlockPublicAccessState", "managedBy"), "account");
    const r = await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      "LaunchPermission.Add.1.Group": "all",
    });
    assert.equal(r.code, "OperationNotPermitted");
    assert.match(r.message!, /block public access for AMIs is enabled for this account/);
    assert.equal(
      (
        await c.call(owner, "ModifyImageAttribute", {
          ImageId: id,
          "LaunchPermission.Add.1.UserId": "111122223333",
        })
      ).status,
      200,
    );
    const off = await c.call(owner, "DisableImageBlockPublicAccess");
    assert.equal(member(off, "DisableImageBlockPublicAccess", "imageBlockPublicAccessState"), "unblocked");
    assert.equal(
      (await c.call(owner, "ModifyImageAttribute", { ImageId: id, "LaunchPermission.Add.1.Group": "all" }))
        .status,
      200,
    );
  });

  test("DryRun answers 412 DryRunOperation and changes nothing; unknown actions", async () => {
    const id = await register(owner, "dry");
    const r = await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      "LaunchPermission.Add.1.UserId": "111122223333",
      DryRun: "true",
    });
    assert.deepEqual([r.status, r.code], [412, "DryRunOperation"]);
    assert.deepEqual(await perms(id), []);
    assert.equal((await c.call(owner, "RunInstances")).code, "InvalidAction");
  });

  test("every mutating call is in the audit log: who, what, when, from where, outcome", async () => {
    const id = await register(owner, "audited");
    await c.call(stranger, "ModifyImageAttribute", { ImageId: id, "LaunchPermission.Add.1.Group": "all" });
    const log = await c.store.auditLog(5);
    const last = log[0]!;
    assert.equal(last.action, "ModifyImageAttribute");
    assert.equal(last.accountId, stranger.account.accountId);
    assert.equal(last.accessKeyId, stranger.accessKeyId);
    assert.equal(last.resource, id);
    assert.equal(last.sourceIp, "127.0.0.1");
    assert.equal(last.outcome, "InvalidAMIID.NotFound");
    assert.ok(Date.now() - Date.parse(last.at) < 60_000);
    assert.ok(!JSON.stringify(log).includes(owner.secretAccessKey));
  });

  test("each call has one entry: with its change when it made one, after it when it did not", async () => {
    const id = await register(owner, "audited-once");
    const count = async () => (await c.store.auditLog(100_000)).length;
    const before = await count();
    await c.call(owner, "ModifyImageAttribute", {
      ImageId: id,
      "LaunchPermission.Add.1.UserId": "111122223333",
    });
    await c.call(owner, "ModifyImageAttribute", { ImageId: id, "LaunchPermission.Add.1.UserId": "bad" });
    await c.call(owner, "CreateTags", { "ResourceId.1": id, "Tag.1.Key": "k", "Tag.1.Value": "v" });
    await c.call(owner, "ResetImageAttribute", { ImageId: id, Attribute: "launchPermission" });
    const log = (await c.store.auditLog(4)).reverse();
    assert.equal((await count()) - before, 4);
    assert.deepEqual(
      log.map((e) => [e.action, e.outcome]),
      [
        ["ModifyImageAttribute", "ok"],
        ["ModifyImageAttribute", "InvalidAMIAttributeItemValue"],
        ["CreateTags", "ok"],
        ["ResetImageAttribute", "ok"],
      ],
    );
  });
});

describe("the public-image quota (EC2: 5 per Region)", () => {
  test("the sixth public image is ResourceLimitExceeded; making one private frees a place", async () => {
    const seller = await c.account("quota");
    const ids: string[] = [];
    for (let n = 0; n < 6; n++) ids.push(await register(seller, `quota-${n}`));
    const publish = (id: string) =>
      c.call(seller, "ModifyImageAttribute", { ImageId: id, "LaunchPermission.Add.1.Group": "all" });
    for (const id of ids.slice(0, 5)) assert.equal((await publish(id)).status, 200);
    assert.equal((await publish(ids[0]!)).status, 200, "an image already public does not count twice");
    const refused = await publish(ids[5]!);
    assert.deepEqual(
      [refused.status, refused.code, refused.message],
      [
        400,
        "ResourceLimitExceeded",
        "You have reached your quota of 5 for the number of public images allowed in this Region.",
      ],
    );
    assert.equal((await described(stranger, ids[5]!)).length, 0, "still private");
    // Sharing with accounts is not limited by it.
    const byAccount = await c.call(seller, "ModifyImageAttribute", {
      ImageId: ids[5]!,
      "LaunchPermission.Add.1.UserId": friend.account.accountId,
    });
    assert.equal(byAccount.status, 200);
    await c.call(seller, "ResetImageAttribute", { ImageId: ids[0]!, Attribute: "launchPermission" });
    assert.equal((await publish(ids[5]!)).status, 200);
  });

  test("a server started with quota 0 has no limit", async () => {
    const unlimited = await testCatalogue({ publicImageQuota: 0 });
    try {
      const seller = await unlimited.account("unlimited");
      for (let n = 0; n < 7; n++) {
        const r = await unlimited.call(seller, "RegisterImage", {
          Name: `u-${n}`,
          RootDeviceName: "/dev/xvda",
        });
        const id = member(r, "RegisterImage", "imageId") as string;
        const pub = await unlimited.call(seller, "ModifyImageAttribute", {
          ImageId: id,
          "LaunchPermission.Add.1.Group": "all",
        });
        assert.equal(pub.status, 200, pub.raw);
      }
    } finally {
      await unlimited.dispose();
    }
  });
});
