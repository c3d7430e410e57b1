/**
 * CopyImage inside the catalogue (#18): a consumer takes its own copy of an image shared with it or
 * public, over the same blob, and the copy gets its own scan. The blob is a real FAT16 disk
 * (fixtures/vfat-images.sh) stored and scanned by the catalogue's own workers.
 */
import assert from "node:assert/strict";
import { createReadStream } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { items, member, type TestCatalogue, testCatalogue } from "../../../test/support/catalogue.js";
import { vfatImagesPath } from "../../../test/support/vfat-images.js";
import type { NewAccount, ScanRecord } from "../store/types.js";

let c: TestCatalogue;
let owner: NewAccount;
let friend: NewAccount;
let stranger: NewAccount;
/** A pushed disk, scanned, shared with `friend`. */
let pushed: string;
let sha256: string;

async function finishedScan(imageId: string): Promise<ScanRecord> {
  for (let i = 0; i < 600; i++) {
    const scan = await c.store.latestScan(imageId);
    if (scan && (scan.status === "done" || scan.status === "failed")) return scan;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the scan of ${imageId} did not finish`);
}

const call = async (who: NewAccount, action: string, params: Record<string, string>) => {
  const r = await c.call(who, action, params);
  return r;
};
const imageIdOf = (r: Awaited<ReturnType<typeof call>>, action: string) => {
  assert.equal(r.status, 200, r.raw);
  return member(r, action, "imageId") as string;
};
const describe = async (who: NewAccount, id: string, extra: Record<string, string> = {}) =>
  items(await c.call(who, "DescribeImages", { "ImageId.1": id, ...extra }), "DescribeImages", "imagesSet")[0];
const copy = (who: NewAccount, sourceId: string, name: string, extra: Record<string, string> = {}) =>
  call(who, "CopyImage", { SourceImageId: sourceId, SourceRegion: "us-east-1", Name: name, ...extra });

before(async () => {
  c = await testCatalogue({ region: "us-east-1" });
  owner = await c.account("cp-owner");
  friend = await c.account("cp-friend");
  stranger = await c.account("cp-stranger");
  const stored = await c.app.deps.blobs.put(createReadStream(path.join(vfatImagesPath(), "fat16.img")));
  sha256 = stored.sha256;
  await c.store.recordBlob({ ...stored, uploadedBy: owner.account.accountId });
  pushed = imageIdOf(
    await call(owner, "RegisterImage", {
      Name: "cp-pushed",
      ImageLocation: `amigate:blob/${sha256}`,
      Description: "the publisher's",
    }),
    "RegisterImage",
  );
  await finishedScan(pushed);
  await call(owner, "ModifyImageAttribute", {
    ImageId: pushed,
    "LaunchPermission.Add.1.UserId": friend.account.accountId,
  });
  await call(owner, "CreateTags", { "ResourceId.1": pushed, "Tag.1.Key": "owner-tag", "Tag.1.Value": "o" });
});
after(() => c.dispose());

test("a consumer copies a shared image: its own image over the same blob, with its own scan", async () => {
  await call(friend, "CreateTags", {
    "ResourceId.1": pushed,
    "Tag.1.Key": "team",
    "Tag.1.Value": "mine",
    "Tag.2.Key": "keep",
    "Tag.2.Value": "old",
  });
  const id = imageIdOf(
    await copy(friend, pushed, "my-copy", {
      Description: "taken for due diligence",
      CopyImageTags: "true",
      "TagSpecification.1.ResourceType": "image",
      "TagSpecification.1.Tag.1.Key": "keep",
      "TagSpecification.1.Tag.1.Value": "new",
      "TagSpecification.2.ResourceType": "snapshot",
      "TagSpecification.2.Tag.1.Key": "snap",
      "TagSpecification.2.Tag.1.Value": "s",
    }),
    "CopyImage",
  );
  assert.notEqual(id, pushed);
  const pending = await c.store.image(id);
  assert.equal(pending?.ownerId, friend.account.accountId);
  assert.deepEqual(pending?.blob, (await c.store.image(pushed))?.blob);
  assert.equal(pending?.blob?.sha256, sha256);
  const ownScan = await finishedScan(id);
  const sourceScan = await c.store.latestScan(pushed);
  assert.notEqual(ownScan.scanId, sourceScan?.scanId);
  assert.equal(ownScan.imageId, id);
  assert.equal(ownScan.status, "done", ownScan.error);
  assert.equal(sourceScan?.status, "done");
  const item = await describe(friend, id);
  assert.equal(item?.imageOwnerId, friend.account.accountId);
  assert.equal(item?.imageState, "available");
  assert.equal(item?.isPublic, "false");
  assert.equal(item?.name, "my-copy");
  assert.equal(item?.description, "taken for due diligence");
  assert.equal(item?.sourceImageId, pushed);
  assert.equal(item?.sourceImageRegion, "us-east-1");
  assert.equal(item?.imageLocation, `${friend.account.accountId}/my-copy`);
  // The caller's own tags came with it (TagSpecifications win on a key); the owner's did not.
  const tags = (item?.tagSet as { item: Array<{ key: string; value: string }> } | undefined)?.item ?? [];
  assert.deepEqual(
    tags.map((t) => `${t.key}=${t.value}`),
    ["keep=new", "team=mine"],
  );
  // Launch permissions stay with the source: the copy is private and the owner cannot see it.
  const lp = await call(friend, "DescribeImageAttribute", { ImageId: id, Attribute: "launchPermission" });
  assert.equal(lp.status, 200);
  assert.deepEqual(items(lp, "DescribeImageAttribute", "launchPermission"), []);
  assert.equal(await describe(owner, id), undefined);
  // The copy outlives its source.
  const again = imageIdOf(await copy(owner, pushed, "owner-copy"), "CopyImage");
  await finishedScan(again);
  assert.equal((await c.call(owner, "DeregisterImage", { ImageId: again })).status, 200);
  assert.equal((await describe(friend, id))?.imageState, "available");
});

test("public images are copied by anyone; private ones only by their owner and the accounts they are shared with", async () => {
  const plain = imageIdOf(
    await call(owner, "RegisterImage", { Name: "cp-plain", RootDeviceName: "/dev/xvda" }),
    "RegisterImage",
  );
  const hidden = await copy(stranger, plain, "stolen");
  assert.equal(hidden.code, "InvalidAMIID.NotFound");
  assert.equal(hidden.message, `The image id '[${plain}]' does not exist`);
  await call(owner, "ModifyImageAttribute", { ImageId: plain, "LaunchPermission.Add.1.Group": "all" });
  const id = imageIdOf(await copy(stranger, plain, "from-public"), "CopyImage");
  // No pushed disk: nothing to scan, available at once.
  assert.equal((await c.store.image(id))?.state, "available");
  assert.equal(await c.store.latestScan(id), undefined);
  assert.equal((await copy(stranger, "ami-0000000000000dead", "nothing")).code, "InvalidAMIID.NotFound");
  assert.equal((await copy(stranger, "ami-12", "malformed")).code, "InvalidAMIID.Malformed");
});

test("another Region is not here; a malformed one, a missing Name, a bad name are parameter errors", async () => {
  const other = await call(friend, "CopyImage", {
    SourceImageId: pushed,
    SourceRegion: "eu-west-1",
    Name: "x-region",
  });
  assert.equal(other.code, "InvalidAMIID.NotFound");
  assert.match(other.message!, /does not exist in eu-west-1 \(this catalogue is us-east-1\)/);
  const bad = await call(friend, "CopyImage", {
    SourceImageId: pushed,
    SourceRegion: "moon",
    Name: "x-moon",
  });
  assert.deepEqual([bad.code, bad.message], ["InvalidParameterValue", "Invalid region: moon"]);
  assert.equal(
    (await call(friend, "CopyImage", { SourceImageId: pushed, SourceRegion: "us-east-1" })).code,
    "MissingParameter",
  );
  assert.equal(
    (await call(friend, "CopyImage", { SourceImageId: pushed, Name: "no-region" })).code,
    "MissingParameter",
  );
  assert.equal((await copy(friend, pushed, "ab")).code, "InvalidAMIName.Malformed");
  const tagged = await copy(friend, pushed, "bad-tag", {
    "TagSpecification.1.ResourceType": "instance",
    "TagSpecification.1.Tag.1.Key": "k",
  });
  assert.equal(tagged.code, "InvalidParameterValue");
  const kms = await copy(friend, pushed, "kms", { KmsKeyId: "alias/mine" });
  assert.equal(kms.code, "InvalidParameterDependency");
  const outpost = await copy(friend, pushed, "outpost", {
    DestinationOutpostArn: "arn:aws:outposts:us-east-1:111122223333:outpost/op-1234567890abcdef0",
  });
  assert.equal(outpost.code, "UnsupportedOperation");
});

test("Encrypted marks the copy's volumes (with the KMS key given)", async () => {
  const id = imageIdOf(
    await copy(friend, pushed, "encrypted-copy", { Encrypted: "true", KmsKeyId: "alias/mine" }),
    "CopyImage",
  );
  const ebs = (await c.store.image(id))?.blockDeviceMappings[0]?.ebs;
  assert.deepEqual([ebs?.encrypted, ebs?.kmsKeyId], [true, "alias/mine"]);
  assert.equal((await c.store.image(pushed))?.blockDeviceMappings[0]?.ebs?.encrypted, false);
  await finishedScan(id);
});

test("the name must be free in the caller's account; a ClientToken answers the same copy once", async () => {
  const first = imageIdOf(await copy(friend, pushed, "tokened", { ClientToken: "tok-1" }), "CopyImage");
  const same = imageIdOf(await copy(friend, pushed, "tokened", { ClientToken: "tok-1" }), "CopyImage");
  assert.equal(same, first);
  const mismatch = await copy(friend, pushed, "tokened-2", { ClientToken: "tok-1" });
  assert.equal(mismatch.code, "IdempotentParameterMismatch");
  const duplicate = await copy(friend, pushed, "tokened");
  assert.deepEqual(
    [duplicate.code, duplicate.message],
    ["InvalidAMIName.Duplicate", `AMI name tokened is already in use by AMI ${first}`],
  );
  await finishedScan(first);
});

test("a disabled source cannot be copied; a deregistered one is unavailable to those who could see it", async () => {
  const id = imageIdOf(
    await call(owner, "RegisterImage", { Name: "cp-lifecycle", RootDeviceName: "/dev/xvda" }),
    "RegisterImage",
  );
  await call(owner, "ModifyImageAttribute", {
    ImageId: id,
    "LaunchPermission.Add.1.UserId": friend.account.accountId,
  });
  assert.equal((await call(owner, "DisableImage", { ImageId: id })).status, 200);
  const disabled = await copy(owner, id, "copy-of-disabled");
  assert.deepEqual(
    [disabled.code, disabled.message],
    ["IncorrectState", `The image ${id} is disabled; it can be copied once enabled again.`],
  );
  // Disabling removed the friend's permission: the image is not there for it any more.
  assert.equal((await copy(friend, id, "friend-copy-of-disabled")).code, "InvalidAMIID.NotFound");
  assert.equal((await call(owner, "EnableImage", { ImageId: id })).status, 200);
  await call(owner, "ModifyImageAttribute", {
    ImageId: id,
    "LaunchPermission.Add.1.UserId": friend.account.accountId,
  });
  assert.equal((await call(owner, "DeregisterImage", { ImageId: id })).status, 200);
  const gone = await copy(friend, id, "copy-of-gone");
  assert.deepEqual(
    [gone.code, gone.message],
    ["InvalidAMIID.Unavailable", `The image id '[${id}]' is no longer available`],
  );
  assert.equal((await copy(stranger, id, "stranger-copy-of-gone")).code, "InvalidAMIID.NotFound");
});
