/**
 * The image lifecycle (#18) with the real clients against a real `amigate serve`: the Debian AWS CLI
 * v2 (/usr/bin/aws, 2.9.19: its model has deprecation and IncludeDeprecated but predates
 * DisableImage, EnableImage and deregistration protection) and @aws-sdk/client-ec2 for every
 * action. A deprecation time in the past, and a deregistration older than --deregistered-listing,
 * are written into the server's database directly (the API makes neither), as another process
 * would; the server sees the commit on its next request.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DisableImageCommand,
  DisableImageDeprecationCommand,
  DisableImageDeregistrationProtectionCommand,
  EnableImageCommand,
  EnableImageDeprecationCommand,
  EnableImageDeregistrationProtectionCommand,
  type Image,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
} from "@aws-sdk/client-ec2";
import Database from "better-sqlite3";
import {
  aws,
  createAccount,
  ec2Client,
  type Keys,
  type ServerProcess,
  startServer,
} from "../../test/support/server-process.js";
import { openStore } from "./catalogue.js";

const haveAws = existsSync("/usr/bin/aws");
const LISTING_SECONDS = 600;

let server: ServerProcess;
let owner: Keys;
let friend: Keys;

before(async () => {
  server = await startServer(undefined, [
    "--gate-scope",
    "off",
    "--deregistered-listing",
    String(LISTING_SECONDS),
  ]);
  owner = createAccount(server.dataDir, "lc-owner");
  friend = createAccount(server.dataDir, "lc-friend");
});
after(() => server.stop());

/** Deprecated a minute ago: written into the catalogue as another process would. */
async function deprecateInThePast(imageId: string): Promise<void> {
  const store = openStore(server.dataDir);
  try {
    await store.updateImage(imageId, { deprecationTime: new Date(Date.now() - 60_000).toISOString() });
  } finally {
    await store.close();
  }
}

/** Moves a deregistration `seconds` into the past. */
function ageDeregistration(imageId: string, seconds: number): void {
  const db = new Database(path.join(server.dataDir, "catalogue.db"));
  try {
    const at = new Date(Date.now() - seconds * 1000).toISOString();
    const changed = db
      .prepare("UPDATE deregistered_images SET deregistered_at = ? WHERE image_id = ?")
      .run(at, imageId);
    assert.equal(changed.changes, 1);
  } finally {
    db.close();
  }
}

describe("AWS CLI v2", { skip: !haveAws }, () => {
  const ec2 = (keys: Keys, args: string[]) => {
    const r = aws(server, keys, ["ec2", ...args]);
    return { ...r, json: r.code === 0 && r.stdout.trim() ? JSON.parse(r.stdout) : undefined };
  };
  const images = (keys: Keys, args: string[]) =>
    (ec2(keys, ["describe-images", ...args]).json as { Images: Array<Record<string, unknown>> }).Images;
  let imageId: string;

  test("register-image needs a root device; with one it registers", () => {
    const none = ec2(owner, ["register-image", "--name", "cli-none", "--architecture", "x86_64"]);
    assert.equal(none.code, 254);
    assert.match(none.stderr, /\(InvalidParameterCombination\) when calling the RegisterImage operation/);
    const r = ec2(owner, ["register-image", "--name", "cli-life", "--root-device-name", "/dev/xvda"]);
    imageId = (r.json as { ImageId: string }).ImageId;
    assert.match(imageId, /^ami-[0-9a-f]{17}$/);
    const share = ec2(owner, [
      "modify-image-attribute",
      "--image-id",
      imageId,
      "--launch-permission",
      `Add=[{UserId=${friend.accountId}}]`,
    ]);
    assert.equal(share.code, 0, share.stderr);
  });

  test("enable-image-deprecation rounds to the minute; describe-images shows DeprecationTime", () => {
    const at = new Date(Date.now() + 7 * 86_400_000);
    at.setUTCSeconds(31, 0);
    const r = ec2(owner, [
      "enable-image-deprecation",
      "--image-id",
      imageId,
      "--deprecate-at",
      at.toISOString(),
    ]);
    assert.deepEqual(r.json, { Return: true });
    const rounded = new Date(at.getTime() + 29_000).toISOString();
    assert.equal(images(owner, ["--image-ids", imageId])[0]!.DeprecationTime, rounded);
    const past = ec2(owner, [
      "enable-image-deprecation",
      "--image-id",
      imageId,
      "--deprecate-at",
      "2020-01-01T00:00:00Z",
    ]);
    assert.match(
      past.stderr,
      /\(InvalidParameterValue\) when calling the EnableImageDeprecation operation.*in the past/,
    );
    const theirs = ec2(friend, ["disable-image-deprecation", "--image-id", imageId]);
    assert.match(theirs.stderr, new RegExp(`\\(AuthFailure\\).*Not authorized for image:${imageId}`));
  });

  test("once deprecated, the account it is shared with needs --include-deprecated or its id", async () => {
    await deprecateInThePast(imageId);
    const ids = (keys: Keys, args: string[]) => images(keys, args).map((i) => i.ImageId);
    assert.ok(!ids(friend, []).includes(imageId));
    assert.ok(!ids(friend, ["--executable-users", "self"]).includes(imageId));
    assert.ok(ids(friend, ["--include-deprecated"]).includes(imageId));
    assert.ok(ids(friend, ["--executable-users", "self", "--include-deprecated"]).includes(imageId));
    assert.deepEqual(ids(friend, ["--image-ids", imageId]), [imageId]);
    assert.ok(ids(owner, ["--owners", "self"]).includes(imageId), "the owner always sees it");
    assert.deepEqual(ec2(owner, ["disable-image-deprecation", "--image-id", imageId]).json, { Return: true });
    assert.ok(ids(friend, []).includes(imageId));
    assert.equal(images(owner, ["--image-ids", imageId])[0]!.DeprecationTime, undefined);
  });

  test("deregister-image: listed as deregistered for a while, a second one is InvalidAMIID.Unavailable, then empty", () => {
    assert.equal(ec2(owner, ["deregister-image", "--image-id", imageId]).code, 0);
    const [gone] = images(friend, ["--image-ids", imageId]);
    assert.equal(gone!.State, "deregistered");
    const again = ec2(owner, ["deregister-image", "--image-id", imageId]);
    assert.match(
      again.stderr,
      new RegExp(
        `\\(InvalidAMIID\\.Unavailable\\) when calling the DeregisterImage operation.*: The image id '\\[${imageId}\\]' is no longer available`,
      ),
    );
    // Still listed just inside --deregistered-listing (600 s, not the default hour), gone past it.
    ageDeregistration(imageId, LISTING_SECONDS - 60);
    assert.equal(images(owner, ["--image-ids", imageId]).length, 1);
    ageDeregistration(imageId, LISTING_SECONDS + 60);
    assert.deepEqual(ec2(owner, ["describe-images", "--image-ids", imageId]).json, { Images: [] });
    assert.match(ec2(owner, ["deregister-image", "--image-id", imageId]).stderr, /InvalidAMIID\.Unavailable/);
  });
});

describe("@aws-sdk/client-ec2", () => {
  const a = () => ec2Client(server.url, owner);
  const f = () => ec2Client(server.url, friend);
  const register = async (name: string) =>
    (await a().send(new RegisterImageCommand({ Name: name, RootDeviceName: "/dev/xvda" }))).ImageId!;
  const describeOne = async (
    client: ReturnType<typeof a>,
    id: string,
    extra = {},
  ): Promise<Image | undefined> =>
    (await client.send(new DescribeImagesCommand({ ImageIds: [id], ...extra }))).Images?.[0];
  const code = (name: string) => (e: Error) => e.name === name;

  test("RegisterImage without a root device is InvalidParameterCombination", async () => {
    await assert.rejects(
      a().send(new RegisterImageCommand({ Name: "sdk-none" })),
      code("InvalidParameterCombination"),
    );
  });

  test("EnableImageDeprecation / DisableImageDeprecation and IncludeDeprecated", async () => {
    const id = await register("sdk-deprecate");
    await a().send(
      new ModifyImageAttributeCommand({
        ImageId: id,
        LaunchPermission: { Add: [{ UserId: friend.accountId }] },
      }),
    );
    const at = new Date(Date.now() + 3 * 86_400_000);
    at.setUTCSeconds(0, 0);
    assert.equal(
      (await a().send(new EnableImageDeprecationCommand({ ImageId: id, DeprecateAt: at }))).Return,
      true,
    );
    assert.equal((await describeOne(a(), id))?.DeprecationTime, at.toISOString());
    await deprecateInThePast(id);
    const listed = async (extra: object) =>
      (
        (await f().send(new DescribeImagesCommand({ ExecutableUsers: ["self"], ...extra }))).Images ?? []
      ).some((i) => i.ImageId === id);
    assert.equal(await listed({}), false);
    assert.equal(await listed({ IncludeDeprecated: true }), true);
    assert.equal((await describeOne(f(), id))?.ImageId, id);
    assert.equal((await a().send(new DisableImageDeprecationCommand({ ImageId: id }))).Return, true);
    assert.equal(await listed({}), true);
    await assert.rejects(
      a().send(
        new EnableImageDeprecationCommand({ ImageId: id, DeprecateAt: new Date(Date.now() - 86_400_000) }),
      ),
      code("InvalidParameterValue"),
    );
  });

  test("DisableImage / EnableImage and IncludeDisabled", async () => {
    const id = await register("sdk-disable");
    await a().send(
      new ModifyImageAttributeCommand({
        ImageId: id,
        LaunchPermission: { Add: [{ UserId: friend.accountId }, { Group: "all" }] },
      }),
    );
    assert.equal((await a().send(new DisableImageCommand({ ImageId: id }))).Return, true);
    assert.equal(await describeOne(a(), id), undefined);
    const d = await describeOne(a(), id, { IncludeDisabled: true });
    assert.deepEqual([d?.State, d?.Public], ["disabled", false]);
    assert.equal(await describeOne(f(), id, { IncludeDisabled: true }), undefined);
    await assert.rejects(f().send(new DisableImageCommand({ ImageId: id })), code("InvalidAMIID.NotFound"));
    await assert.rejects(
      a().send(
        new ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Add: [{ Group: "all" }] } }),
      ),
      (e: Error) => e.name === "InvalidAMIID.Unavailable" && /is disabled/.test(e.message),
    );
    assert.equal((await a().send(new EnableImageCommand({ ImageId: id }))).Return, true);
    assert.equal((await describeOne(a(), id))?.State, "available");
    assert.equal(await describeOne(f(), id), undefined, "the friend's access does not come back");
  });

  test("deregistration protection with and without cooldown; DeregisterImage refused while protected", async () => {
    const id = await register("sdk-protect");
    const on = await a().send(
      new EnableImageDeregistrationProtectionCommand({ ImageId: id, WithCooldown: true }),
    );
    assert.equal(on.Return, "enabled-with-cooldown");
    assert.equal((await describeOne(a(), id))?.DeregistrationProtection, "enabled-with-cooldown");
    await assert.rejects(
      a().send(new DeregisterImageCommand({ ImageId: id })),
      code("OperationNotPermitted"),
    );
    const off = await a().send(new DisableImageDeregistrationProtectionCommand({ ImageId: id }));
    assert.match(off.Return!, /^disabled-until \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const attr = await a().send(
      new DescribeImageAttributeCommand({ ImageId: id, Attribute: "deregistrationProtection" }),
    );
    assert.equal(attr.DeregistrationProtection?.Value, off.Return);
    await assert.rejects(
      a().send(new DeregisterImageCommand({ ImageId: id })),
      code("OperationNotPermitted"),
    );
    await assert.rejects(
      f().send(new EnableImageDeregistrationProtectionCommand({ ImageId: id })),
      code("InvalidAMIID.NotFound"),
    );

    const plain = await register("sdk-protect-plain");
    assert.equal(
      (await a().send(new EnableImageDeregistrationProtectionCommand({ ImageId: plain }))).Return,
      "enabled-without-cooldown",
    );
    assert.equal(
      (await a().send(new DisableImageDeregistrationProtectionCommand({ ImageId: plain }))).Return,
      "disabled",
    );
    await a().send(new DeregisterImageCommand({ ImageId: plain }));
    assert.equal((await describeOne(a(), plain))?.State, "deregistered");
    await assert.rejects(
      a().send(new DeregisterImageCommand({ ImageId: plain })),
      code("InvalidAMIID.Unavailable"),
    );
  });
});
