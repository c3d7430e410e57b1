/**
 * The consumer's side of the lifecycle (#18) against a real `amigate serve`, with the Debian AWS CLI
 * v2 (/usr/bin/aws, 2.9.19) and @aws-sdk/client-ec2: organization and OU launch permissions for
 * accounts made with `amigate accounts create --organization … --ou …` and moved with
 * `amigate accounts organization` while the server runs; CopyImage of a pushed disk (a real FAT16
 * image) shared with a consumer, whose copy gets its own scan; Allowed AMIs through the SDK (the
 * Debian CLI's 2.9.19 model predates its four actions) with amigate's passing-verdict criterion
 * set through PUT /amigate/allowed-images, and a pull they do not allow refused.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  CopyImageCommand,
  DescribeImagesCommand,
  DisableAllowedImagesSettingsCommand,
  EnableAllowedImagesSettingsCommand,
  GetAllowedImagesSettingsCommand,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
  ReplaceImageCriteriaInAllowedImagesSettingsCommand,
} from "@aws-sdk/client-ec2";
import {
  aws,
  createAccount,
  ec2Client,
  type Keys,
  type ServerProcess,
  signedGet,
  startServer,
  waitForScan,
} from "../../test/support/server-process.js";
import { vfatImagesPath } from "../../test/support/vfat-images.js";
import { putBlob } from "./client.js";
import { signedJson } from "./json-client.js";

const haveAws = existsSync("/usr/bin/aws");
const MAIN = path.resolve(import.meta.dirname, "../cli/main.ts");
const ORG = "o-consumer0001";
const PARENT_OU = "ou-cn01-parent00";
const CHILD_OU = "ou-cn01-child000";
const ouArn = (ou: string) => `arn:aws:organizations::111122223333:ou/${ORG}/${ou}`;

let server: ServerProcess;
let owner: Keys;
let inChildOu: Keys;
let atRoot: Keys;

/** The CLI as a user runs it: exit code, stdout, stderr (no colour). */
function cli(
  args: string[],
  env: Record<string, string> = {},
): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
      encoding: "utf8",
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { code: 0, stdout, stderr: "" };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

before(async () => {
  server = await startServer(undefined, ["--gate-scope", "off"]);
  owner = createAccount(server.dataDir, "cn-owner");
  inChildOu = createAccount(server.dataDir, "cn-child", [
    "--organization",
    ORG,
    "--ou",
    `${PARENT_OU}/${CHILD_OU}`,
  ]);
  atRoot = createAccount(server.dataDir, "cn-root", ["--organization", ORG]);
});
after(() => server.stop());

describe("organizations and OUs", () => {
  test("accounts create and accounts organization refuse ids AWS Organizations could not have, in one line", () => {
    const dir = ["--data-dir", server.dataDir];
    for (const [args, message] of [
      [["accounts", "create", "--organization", "o-short", ...dir], /o-short is not an organization id/],
      [["accounts", "create", "--organization", ORG, "--ou", "ou-x", ...dir], /ou-x is not an OU id/],
      [["accounts", "create", "--ou", PARENT_OU, ...dir], /--ou needs --organization/],
      [["accounts", "organization", atRoot.accountId, ...dir], /give --organization \(and --ou\) or --none/],
      [["accounts", "organization", "123", "--none", ...dir], /123 is not a 12-digit account id/],
      [["accounts", "organization", "999999999999", "--none", ...dir], /no account 999999999999/],
    ] as Array<[string[], RegExp]>) {
      const r = cli(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    const listed = cli(["accounts", "list", ...dir]).stdout;
    assert.match(
      listed,
      new RegExp(`${inChildOu.accountId}\\tcn-child\\t${ORG}/${PARENT_OU}/${CHILD_OU}\\t`),
    );
    assert.match(listed, new RegExp(`${atRoot.accountId}\\tcn-root\\t${ORG}\\t`));
    assert.match(listed, new RegExp(`${owner.accountId}\\tcn-owner\\t-\\t`));
  });

  test("AWS CLI v2: an image shared with the parent OU is seen from the OU below, not from the root", {
    skip: !haveAws,
  }, () => {
    const ec2 = (keys: Keys, args: string[]) => {
      const r = aws(server, keys, ["ec2", ...args]);
      assert.equal(r.code, 0, r.stderr);
      return (r.stdout.trim() ? JSON.parse(r.stdout) : {}) as Record<string, unknown>;
    };
    const imageId = ec2(owner, ["register-image", "--name", "cn-ou", "--root-device-name", "/dev/xvda"])
      .ImageId as string;
    ec2(owner, [
      "modify-image-attribute",
      "--image-id",
      imageId,
      "--launch-permission",
      `Add=[{OrganizationalUnitArn=${ouArn(PARENT_OU)}}]`,
    ]);
    const mine = (keys: Keys) =>
      (ec2(keys, ["describe-images", "--executable-users", "self"]).Images as Array<{ ImageId: string }>).map(
        (i) => i.ImageId,
      );
    assert.deepEqual(mine(inChildOu), [imageId]);
    assert.deepEqual(mine(atRoot), []);
    const attribute = ec2(owner, [
      "describe-image-attribute",
      "--image-id",
      imageId,
      "--attribute",
      "launchPermission",
    ]);
    assert.deepEqual(attribute.LaunchPermissions, [{ OrganizationalUnitArn: ouArn(PARENT_OU) }]);
  });

  test("SDK: an organization share reaches its accounts; moving one out with the CLI while serve runs ends it", async () => {
    const a = ec2Client(server.url, owner);
    const imageId = (await a.send(new RegisterImageCommand({ Name: "cn-org", RootDeviceName: "/dev/xvda" })))
      .ImageId!;
    await a.send(
      new ModifyImageAttributeCommand({
        ImageId: imageId,
        LaunchPermission: {
          Add: [{ OrganizationArn: `arn:aws:organizations::111122223333:organization/${ORG}` }],
        },
      }),
    );
    const sees = async (keys: Keys) =>
      (
        (await ec2Client(server.url, keys).send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images ??
        []
      ).length === 1;
    assert.equal(await sees(atRoot), true);
    assert.equal(await sees(inChildOu), true);
    const moved = cli(["accounts", "organization", atRoot.accountId, "--none", "--data-dir", server.dataDir]);
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(moved.stdout, `account ${atRoot.accountId}: -\n`);
    assert.equal(await sees(atRoot), false);
    const back = cli([
      "accounts",
      "organization",
      atRoot.accountId,
      "--organization",
      ORG,
      "--data-dir",
      server.dataDir,
    ]);
    assert.equal(back.stdout, `account ${atRoot.accountId}: ${ORG}\n`);
    assert.equal(await sees(atRoot), true);
  });
});

describe("CopyImage", () => {
  let pushed: string;
  let consumer: Keys;

  before(async () => {
    consumer = createAccount(server.dataDir, "cn-consumer");
    const location = await putBlob(server.url, owner, path.join(vfatImagesPath(), "fat16.img"));
    const a = ec2Client(server.url, owner);
    pushed = (await a.send(new RegisterImageCommand({ Name: "cn-pushed", ImageLocation: location })))
      .ImageId!;
    assert.equal((await waitForScan(server, owner, pushed)).status, "done");
    await a.send(
      new ModifyImageAttributeCommand({
        ImageId: pushed,
        LaunchPermission: { Add: [{ UserId: consumer.accountId }] },
      }),
    );
  });

  test("AWS CLI v2: copy-image of a shared image; the copy is the consumer's, scanned on its own", {
    skip: !haveAws,
  }, async () => {
    const run = (args: string[]) => aws(server, consumer, ["ec2", ...args]);
    const r = run([
      "copy-image",
      "--source-image-id",
      pushed,
      "--source-region",
      "us-east-1",
      "--name",
      "cli-copy",
      "--description",
      "mine now",
      "--copy-image-tags",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const copyId = (JSON.parse(r.stdout) as { ImageId: string }).ImageId;
    assert.match(copyId, /^ami-[0-9a-f]{17}$/);
    const ownScan = await waitForScan(server, consumer, copyId);
    const sourceScan = await waitForScan(server, consumer, pushed);
    assert.equal(ownScan.status, "done");
    assert.equal(ownScan.imageId, copyId);
    assert.notEqual(ownScan.scanId, sourceScan.scanId);
    const [image] = (
      JSON.parse(run(["describe-images", "--owners", "self"]).stdout) as {
        Images: Array<Record<string, unknown>>;
      }
    ).Images;
    assert.equal(image?.ImageId, copyId);
    assert.equal(image?.OwnerId, consumer.accountId);
    assert.equal(image?.State, "available");
    assert.equal(image?.Description, "mine now");
    const elsewhere = run([
      "copy-image",
      "--source-image-id",
      pushed,
      "--source-region",
      "eu-west-1",
      "--name",
      "cli-elsewhere",
    ]);
    assert.equal(elsewhere.code, 254);
    assert.match(
      elsewhere.stderr,
      /\(InvalidAMIID\.NotFound\) when calling the CopyImage operation.*: .*\(this catalogue is us-east-1\)/,
    );
    const again = run([
      "copy-image",
      "--source-image-id",
      pushed,
      "--source-region",
      "us-east-1",
      "--name",
      "cli-copy",
    ]);
    assert.match(
      again.stderr,
      /\(InvalidAMIName\.Duplicate\) when calling the CopyImage operation.*: AMI name cli-copy is already in use/,
    );
  });

  test("SDK: CopyImage with TagSpecifications and a ClientToken; SourceImageId and SourceImageRegion in DescribeImages", async () => {
    const client = ec2Client(server.url, consumer);
    const request = {
      SourceImageId: pushed,
      SourceRegion: "us-east-1",
      Name: "sdk-copy",
      ClientToken: "sdk-copy-1",
      TagSpecifications: [{ ResourceType: "image" as const, Tags: [{ Key: "stage", Value: "vetting" }] }],
    };
    const copyId = (await client.send(new CopyImageCommand(request))).ImageId!;
    assert.equal((await client.send(new CopyImageCommand(request))).ImageId, copyId);
    assert.equal((await waitForScan(server, consumer, copyId)).status, "done");
    const [image] = (await client.send(new DescribeImagesCommand({ ImageIds: [copyId] }))).Images ?? [];
    assert.equal(image?.SourceImageId, pushed);
    assert.equal(image?.SourceImageRegion, "us-east-1");
    assert.deepEqual(image?.Tags, [{ Key: "stage", Value: "vetting" }]);
    await assert.rejects(
      ec2Client(server.url, atRoot).send(
        new CopyImageCommand({ ...request, ClientToken: undefined, Name: "stranger" }),
      ),
      (e: Error) => e.name === "InvalidAMIID.NotFound",
    );
  });
});

describe("Allowed AMIs", () => {
  let pushed: string;
  let plain: string;
  let consumer: Keys;

  before(async () => {
    consumer = createAccount(server.dataDir, "cn-allowed");
    const location = await putBlob(server.url, owner, path.join(vfatImagesPath(), "fat16.img"));
    const a = ec2Client(server.url, owner);
    pushed = (await a.send(new RegisterImageCommand({ Name: "cn-allowed-pushed", ImageLocation: location })))
      .ImageId!;
    assert.equal((await waitForScan(server, owner, pushed)).status, "done");
    plain = (
      await a.send(new RegisterImageCommand({ Name: "cn-allowed-plain", RootDeviceName: "/dev/xvda" }))
    ).ImageId!;
    for (const id of [pushed, plain])
      await a.send(
        new ModifyImageAttributeCommand({
          ImageId: id,
          LaunchPermission: { Add: [{ UserId: consumer.accountId }] },
        }),
      );
  });

  test("SDK: criteria, audit mode, enabled; a pull the criteria do not allow is refused", async () => {
    const client = ec2Client(server.url, consumer);
    const allowedOf = async () =>
      new Map(
        ((await client.send(new DescribeImagesCommand({ ExecutableUsers: ["self"] }))).Images ?? []).map(
          (i) => [i.ImageId!, i.ImageAllowed],
        ),
      );
    assert.deepEqual(
      await client.send(new GetAllowedImagesSettingsCommand({})).then(({ $metadata, ...r }) => r),
      {
        State: "disabled",
        ImageCriteria: [],
        ManagedBy: "account",
      },
    );
    assert.deepEqual([...(await allowedOf()).values()], [undefined, undefined]);
    await client.send(
      new ReplaceImageCriteriaInAllowedImagesSettingsCommand({
        ImageCriteria: [{ ImageProviders: ["amazon"] }, { ImageNames: ["cn-allowed-pu*"] }],
      }),
    );
    assert.equal(
      (
        await client.send(
          new EnableAllowedImagesSettingsCommand({ AllowedImagesSettingsState: "audit-mode" }),
        )
      ).AllowedImagesSettingsState,
      "audit-mode",
    );
    const settings = await client.send(new GetAllowedImagesSettingsCommand({}));
    assert.equal(settings.State, "audit-mode");
    assert.deepEqual(settings.ImageCriteria, [
      { ImageProviders: ["amazon"] },
      { ImageNames: ["cn-allowed-pu*"] },
    ]);
    const audit = await allowedOf();
    assert.equal(audit.get(pushed), true);
    assert.equal(audit.get(plain), false);
    await client.send(new EnableAllowedImagesSettingsCommand({ AllowedImagesSettingsState: "enabled" }));
    assert.deepEqual([...(await allowedOf()).keys()], [pushed]);
    const pull = async (id: string) => {
      const r = await signedGet(server, consumer, `/amigate/images/${id}/blob`);
      const text = r.status === 200 ? "" : await r.text();
      if (r.status === 200) await r.body?.cancel();
      return { status: r.status, text };
    };
    assert.equal((await pull(pushed)).status, 200);
    // amigate's criterion on top: the pushed FAT disk's scan fails the gate (scan-incomplete, high),
    // so the consumer's due diligence leaves it out and refuses its pull.
    const verdictOn = (on: boolean) =>
      signedJson<{ requirePassingVerdict: boolean }>(server.url, consumer, "PUT", "/amigate/allowed-images", {
        requirePassingVerdict: on,
      });
    // Set with the CLI (amigate allowed-images), as a consumer would.
    const set = cli(["allowed-images", "--require-passing-verdict", "on", "--endpoint", server.url], {
      AWS_ACCESS_KEY_ID: consumer.accessKeyId,
      AWS_SECRET_ACCESS_KEY: consumer.secretAccessKey,
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    });
    assert.equal(set.code, 0, set.stderr);
    assert.equal(
      set.stdout,
      'state: enabled\npassing verdict required: yes\ncriteria:\n  {"imageProviders":["amazon"]}\n  {"imageNames":["cn-allowed-pu*"]}\n',
    );
    assert.deepEqual([...(await allowedOf()).keys()], []);
    assert.match((await pull(pushed)).text, /<Code>OperationNotPermitted<\/Code>/);
    assert.equal((await verdictOn(false)).requirePassingVerdict, false);
    assert.equal((await pull(pushed)).status, 200);
    await client.send(
      new ReplaceImageCriteriaInAllowedImagesSettingsCommand({
        ImageCriteria: [{ ImageProviders: ["none"] }],
      }),
    );
    const refused = await pull(pushed);
    assert.equal(refused.status, 400);
    assert.match(
      refused.text,
      /<Code>OperationNotPermitted<\/Code><Message>The image ami-[0-9a-f]+ is not allowed by this account&apos;s Allowed AMIs settings/,
    );
    assert.equal(
      (await client.send(new DisableAllowedImagesSettingsCommand({}))).AllowedImagesSettingsState,
      "disabled",
    );
    assert.equal((await pull(pushed)).status, 200);
  });
});
