/**
 * Two accounts push identical bytes (the same public base image) to a real `amigate serve`: each
 * registers its own image from the one stored blob, sees only its own, is charged the blob against
 * its --account-quota, and deregistering one image leaves the other pullable.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { DeregisterImageCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import {
  amigate,
  createAccount,
  ec2Client,
  type Keys,
  type ServerProcess,
  startServer,
} from "../../test/support/server-process.js";
import { vfatImagesPath } from "../../test/support/vfat-images.js";

let server: ServerProcess;
let one: Keys;
let two: Keys;
let dir: string;
let disk: string;
/** Room for the disk and 1000 bytes more. */
let quota: number;

const envOf = (keys: Keys) => ({
  AWS_ACCESS_KEY_ID: keys.accessKeyId,
  AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
  FORCE_COLOR: "0",
  NO_COLOR: "1",
});

const push = (keys: Keys, file: string, name: string, extra: string[] = []) =>
  (
    JSON.parse(
      amigate(["push", file, "--name", name, "--endpoint", server.url, "--json", ...extra], envOf(keys)),
    ) as {
      imageId: string;
    }
  ).imageId;

async function ownImages(keys: Keys): Promise<string[]> {
  const r = await ec2Client(server.url, keys).send(new DescribeImagesCommand({ Owners: ["self"] }));
  return (r.Images ?? []).map((i) => i.ImageId!).sort();
}

before(async () => {
  disk = path.join(vfatImagesPath(), "fat12.img");
  quota = statSync(disk).size + 1000;
  server = await startServer(undefined, ["--account-quota", String(quota)]);
  one = createAccount(server.dataDir, "one");
  two = createAccount(server.dataDir, "two");
  dir = mkdtempSync(path.join(os.tmpdir(), "amigate-shared-blob-"));
});
after(() => server.stop());

describe("identical bytes pushed by two accounts", () => {
  let first: string;
  let second: string;

  test("both register their own image from the one blob; each sees only its own", async () => {
    first = push(one, disk, "base-one");
    // The second push goes through an upload session, the first as a single PUT.
    second = push(two, disk, "base-two", ["--multipart-threshold", "0"]);
    assert.notEqual(first, second);
    assert.deepEqual(await ownImages(one), [first]);
    assert.deepEqual(await ownImages(two), [second]);
  });

  test("the blob counts against the second account's quota too", () => {
    const extra = path.join(dir, "extra.raw");
    writeFileSync(extra, randomBytes(2000));
    assert.throws(
      () => push(two, extra, "over-quota"),
      (e: Error & { stderr?: string }) => /ResourceLimitExceeded/.test(String(e.stderr)),
    );
    // 1000 bytes still fit beside the shared blob.
    writeFileSync(extra, randomBytes(900));
    assert.match(push(two, extra, "fits"), /^ami-[0-9a-f]{17}$/);
  });

  test("deregistering one account's image leaves the other's pullable, byte for byte", async () => {
    await ec2Client(server.url, one).send(new DeregisterImageCommand({ ImageId: first }));
    const out = path.join(dir, "pulled.img");
    amigate(["pull", second, "-o", out, "--accept-findings", "--endpoint", server.url], envOf(two));
    assert.ok(readFileSync(out).equals(readFileSync(disk)));
  });
});
