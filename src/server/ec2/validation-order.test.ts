/**
 * Validation order (docs/server.md, "Validation order"): each case breaks one parameter rule and one
 * state rule at once, and the parameter's error must win — the order EC2 answers in (issue 18:
 * RegisterImage with a name in use and a bad TagSpecifications resource type is
 * InvalidParameterValue on EC2, not InvalidAMIName.Duplicate).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { member, type TestCatalogue, testCatalogue } from "../../../test/support/catalogue.js";
import type { NewAccount } from "../store/types.js";

let c: TestCatalogue;
let owner: NewAccount;
let friend: NewAccount;
let stranger: NewAccount;
/** Owned by `owner`, shared with `friend`, invisible to `stranger`. */
let shared: string;
const NOWHERE = "ami-0000000000000dead";

before(async () => {
  c = await testCatalogue();
  owner = await c.account("vo-owner");
  friend = await c.account("vo-friend");
  stranger = await c.account("vo-stranger");
  const r = await c.call(owner, "RegisterImage", { Name: "taken", RootDeviceName: "/dev/xvda" });
  shared = member(r, "RegisterImage", "imageId") as string;
  await c.call(owner, "ModifyImageAttribute", {
    ImageId: shared,
    "LaunchPermission.Add.1.UserId": friend.account.accountId,
  });
});
after(() => c.dispose());

interface Case {
  what: string;
  who: () => NewAccount;
  action: string;
  params: () => Record<string, string>;
  code: string;
  message?: string;
}

const CASES: Case[] = [
  {
    what: "a name in use and a TagSpecification that is not for an image",
    who: () => owner,
    action: "RegisterImage",
    params: () => ({
      Name: "taken",
      RootDeviceName: "/dev/xvda",
      "TagSpecification.1.ResourceType": "instance",
      "TagSpecification.1.Tag.1.Key": "k",
    }),
    code: "InvalidParameterValue",
    message: "'instance' is not a valid taggable resource type for this operation.",
  },
  {
    what: "a name in use and an unknown architecture",
    who: () => owner,
    action: "RegisterImage",
    params: () => ({ Name: "taken", RootDeviceName: "/dev/xvda", Architecture: "sparc" }),
    code: "InvalidParameterValue",
  },
  {
    what: "a name in use and no root device",
    who: () => owner,
    action: "RegisterImage",
    params: () => ({ Name: "taken" }),
    code: "InvalidParameterCombination",
    message:
      "The request must contain ImageLocation or a root device (RootDeviceName and BlockDeviceMapping).",
  },
  {
    what: "a name in use and a malformed EnaSupport",
    who: () => owner,
    action: "RegisterImage",
    params: () => ({ Name: "taken", RootDeviceName: "/dev/xvda", EnaSupport: "yes" }),
    code: "InvalidParameterValue",
  },
  {
    what: "an unknown filter and an image id that exists nowhere",
    who: () => owner,
    action: "DescribeImages",
    params: () => ({ "ImageId.1": NOWHERE, "Filter.1.Name": "colour", "Filter.1.Value.1": "x" }),
    code: "InvalidParameterValue",
    message: "The filter 'colour' is invalid",
  },
  {
    what: "a malformed id and an unknown attribute name",
    who: () => owner,
    action: "DescribeImageAttribute",
    params: () => ({ ImageId: "ami-nope", Attribute: "colour" }),
    code: "InvalidAMIID.Malformed",
  },
  {
    what: "an unknown attribute name on an image that exists nowhere",
    who: () => owner,
    action: "DescribeImageAttribute",
    params: () => ({ ImageId: NOWHERE, Attribute: "colour" }),
    code: "InvalidRequest",
  },
  {
    what: "a bad user id on an image that exists nowhere",
    who: () => owner,
    action: "ModifyImageAttribute",
    params: () => ({ ImageId: NOWHERE, "LaunchPermission.Add.1.UserId": "1234" }),
    code: "InvalidAMIAttributeItemValue",
  },
  {
    what: "no attribute at all, from an account that is not the owner",
    who: () => friend,
    action: "ModifyImageAttribute",
    params: () => ({ ImageId: shared }),
    code: "InvalidParameterCombination",
    message: "No attributes specified.",
  },
  {
    what: "a malformed id and no attribute",
    who: () => owner,
    action: "ModifyImageAttribute",
    params: () => ({ ImageId: "ami-nope" }),
    code: "InvalidAMIID.Malformed",
  },
  {
    what: "an attribute that cannot be reset, from a stranger",
    who: () => stranger,
    action: "ResetImageAttribute",
    params: () => ({ ImageId: shared, Attribute: "description" }),
    code: "InvalidParameterValue",
  },
  {
    what: "a malformed DeleteAssociatedSnapshots from an account that is not the owner",
    who: () => friend,
    action: "DeregisterImage",
    params: () => ({ ImageId: shared, DeleteAssociatedSnapshots: "maybe" }),
    code: "InvalidParameterValue",
  },
  {
    what: "a reserved tag key on an image the caller cannot see",
    who: () => stranger,
    action: "CreateTags",
    params: () => ({ "ResourceId.1": shared, "Tag.1.Key": "aws:x", "Tag.1.Value": "v" }),
    code: "InvalidParameterValue",
  },
  {
    what: "an image the caller cannot see, then a malformed id",
    who: () => stranger,
    action: "CreateTags",
    params: () => ({ "ResourceId.1": shared, "ResourceId.2": "ami-nope", "Tag.1.Key": "k" }),
    code: "InvalidAMIID.Malformed",
  },
  {
    what: "an empty tag key on an image the caller cannot see",
    who: () => stranger,
    action: "DeleteTags",
    params: () => ({ "ResourceId.1": shared, "Tag.1.Key": "" }),
    code: "InvalidParameterValue",
  },
  {
    what: "a DeprecateAt in the past on an image the caller cannot see",
    who: () => stranger,
    action: "EnableImageDeprecation",
    params: () => ({ ImageId: shared, DeprecateAt: "2020-01-01T00:00:00Z" }),
    code: "InvalidParameterValue",
  },
  {
    what: "no DeprecateAt, from an account that is not the owner",
    who: () => friend,
    action: "EnableImageDeprecation",
    params: () => ({ ImageId: shared }),
    code: "MissingParameter",
  },
  {
    what: "a malformed id for DisableImageDeprecation",
    who: () => stranger,
    action: "DisableImageDeprecation",
    params: () => ({ ImageId: "ami-nope" }),
    code: "InvalidAMIID.Malformed",
  },
  {
    what: "a malformed id for DisableImage, from a stranger",
    who: () => stranger,
    action: "DisableImage",
    params: () => ({ ImageId: "ami-nope" }),
    code: "InvalidAMIID.Malformed",
  },
  {
    what: "no ImageId for EnableImage",
    who: () => stranger,
    action: "EnableImage",
    params: () => ({}),
    code: "MissingParameter",
  },
  {
    what: "a WithCooldown that is not a boolean, from a stranger",
    who: () => stranger,
    action: "EnableImageDeregistrationProtection",
    params: () => ({ ImageId: shared, WithCooldown: "yes" }),
    code: "InvalidParameterValue",
  },
  {
    what: "a malformed id for DisableImageDeregistrationProtection",
    who: () => friend,
    action: "DisableImageDeregistrationProtection",
    params: () => ({ ImageId: "ami-nope" }),
    code: "InvalidAMIID.Malformed",
  },
  {
    what: "a NextToken that is not ours",
    who: () => owner,
    action: "DescribeTags",
    params: () => ({ NextToken: "bm90LWEtbnVtYmVy" }),
    code: "InvalidParameterValue",
  },
  {
    what: "a name in use and a TagSpecification that is not for an image or snapshot",
    who: () => owner,
    action: "CopyImage",
    params: () => ({
      SourceImageId: shared,
      SourceRegion: "us-east-1",
      Name: "taken",
      "TagSpecification.1.ResourceType": "instance",
      "TagSpecification.1.Tag.1.Key": "k",
    }),
    code: "InvalidParameterValue",
  },
  {
    what: "a source the caller cannot see and a malformed name",
    who: () => stranger,
    action: "CopyImage",
    params: () => ({ SourceImageId: shared, SourceRegion: "us-east-1", Name: "x" }),
    code: "InvalidAMIName.Malformed",
  },
  {
    what: "another Region and a Region that is no Region",
    who: () => friend,
    action: "CopyImage",
    params: () => ({ SourceImageId: shared, SourceRegion: "nowhere", Name: "copy" }),
    code: "InvalidParameterValue",
    message: "Invalid region: nowhere",
  },
];

test("parameter validation answers before state checks, action by action", async () => {
  for (const k of CASES) {
    const r = await c.call(k.who(), k.action, k.params());
    assert.equal(r.code, k.code, `${k.action}: ${k.what}: ${r.raw}`);
    assert.equal(r.status, 400, `${k.action}: ${k.what}`);
    if (k.message !== undefined) assert.equal(r.message, k.message, `${k.action}: ${k.what}`);
  }
});

test("each case's state rule is real: with the parameter fixed, the state error answers", async () => {
  const dup = await c.call(owner, "RegisterImage", { Name: "taken", RootDeviceName: "/dev/xvda" });
  assert.equal(dup.code, "InvalidAMIName.Duplicate");
  const gone = await c.call(owner, "DescribeImageAttribute", { ImageId: NOWHERE, Attribute: "description" });
  assert.equal(gone.code, "InvalidAMIID.NotFound");
  const notOwner = await c.call(friend, "ModifyImageAttribute", {
    ImageId: shared,
    "Description.Value": "x",
  });
  assert.equal(notOwner.code, "AuthFailure");
  const hidden = await c.call(stranger, "CreateTags", { "ResourceId.1": shared, "Tag.1.Key": "k" });
  assert.equal(hidden.code, "InvalidAMIID.NotFound");
  const notOwnerDereg = await c.call(friend, "DeregisterImage", { ImageId: shared });
  assert.equal(notOwnerDereg.code, "AuthFailure");
  const copyTaken = { SourceImageId: shared, SourceRegion: "us-east-1", Name: "taken" };
  assert.equal((await c.call(owner, "CopyImage", copyTaken)).code, "InvalidAMIName.Duplicate");
  assert.equal(
    (await c.call(stranger, "CopyImage", { ...copyTaken, Name: "xyz" })).code,
    "InvalidAMIID.NotFound",
  );
});

test("RegisterImage needs an uploaded image or a root device; either one is enough", async () => {
  const none = await c.call(owner, "RegisterImage", { Name: "no-root", Architecture: "x86_64" });
  assert.equal(none.code, "InvalidParameterCombination");
  const byName = await c.call(owner, "RegisterImage", { Name: "root-name", RootDeviceName: "/dev/sda1" });
  assert.equal(byName.status, 200, byName.raw);
  const byMapping = await c.call(owner, "RegisterImage", {
    Name: "root-mapping",
    "BlockDeviceMapping.1.DeviceName": "/dev/xvda",
    "BlockDeviceMapping.1.Ebs.SnapshotId": "snap-0123456789abcdef0",
  });
  assert.equal(byMapping.status, 200, byMapping.raw);
  const byLocation = await c.call(owner, "RegisterImage", {
    Name: "root-location",
    ImageLocation: "my-bucket/image.manifest.xml",
  });
  assert.equal(byLocation.status, 200, byLocation.raw);
});
