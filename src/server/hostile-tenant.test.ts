/**
 * Issue 13 §1 on a live `amigate serve` with two accounts: a tenant's upload never reaches another
 * tenant's blob or a host file, and nothing served to a tenant shows the server's own paths.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { promises as fsp, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  amigate,
  createAccount,
  type Keys,
  type ServerProcess,
  startServer,
  waitForScan,
} from "../../test/support/server-process.js";
import { diskFixtures } from "../container/disk/testing.js";
import { type ClientError, putBlob, sha256File } from "./client.js";

let s: ServerProcess;
let a: Keys;
let b: Keys;
let tmp: string;
/** Account B's pushed disk: the blob A's crafted images aim at. */
let bSha: string;

before(async () => {
  s = await startServer();
  a = createAccount(s.dataDir, "tenant-a");
  b = createAccount(s.dataDir, "tenant-b");
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "amigate-tenant-"));
  const disk = path.join(diskFixtures(), "gpt.qcow2");
  bSha = (await sha256File(disk)).sha256;
  await putBlob(s.url, b, disk);
});
after(async () => {
  await s.stop();
  await fsp.rm(tmp, { recursive: true, force: true });
});

async function descriptor(name: string, extent: string): Promise<string> {
  const file = path.join(tmp, name);
  await fsp.writeFile(
    file,
    `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\nRW 131072 FLAT "${extent}" 0\n`,
  );
  return file;
}

/** Every blob file the server holds (content-addressed names). */
function storedBlobs(): string[] {
  const dir = path.join(s.dataDir, "blobs");
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((p) => /[0-9a-f]{64}$/.test(p));
}

async function refused(file: string): Promise<ClientError> {
  const before = storedBlobs();
  try {
    await putBlob(s.url, a, file);
  } catch (e) {
    assert.deepEqual(storedBlobs(), before, "nothing of a refused upload is kept");
    return e as ClientError;
  }
  assert.fail(`${file} was accepted`);
}

describe("uploads must be self-contained", () => {
  test("a VMDK whose extent names another tenant's blob, by '../' or beside it, is refused", async () => {
    for (const extent of [
      `../${bSha.slice(0, 2)}/${bSha}`,
      bSha,
      `../../blobs/${bSha.slice(0, 2)}/${bSha}`,
    ]) {
      const e = await refused(await descriptor(`cross-${extent.length}.vmdk`, extent));
      assert.equal(e.code, "InvalidParameterValue", e.message);
      assert.match(e.message, /The image is not self-contained: VMDK extent 1 ".*" refused/);
      assert.ok(!e.message.includes(s.dataDir), e.message);
    }
  });

  test("a VMDK whose extent is a host path is refused, saying nothing of the host file", async () => {
    const shadow = await refused(await descriptor("shadow.vmdk", "/etc/shadow"));
    const absent = await refused(await descriptor("absent.vmdk", "/nonexistent/amigate"));
    assert.equal(shadow.message.replace(/"[^"]*"/, "X"), absent.message.replace(/"[^"]*"/, "X"));
  });

  test("a qcow2 with a backing file is refused", async () => {
    const overlay = path.join(tmp, "overlay.qcow2");
    execFileSync("qemu-img", [
      "create",
      "-q",
      "-u",
      "-f",
      "qcow2",
      "-b",
      `/srv/blobs/${bSha}`,
      "-F",
      "raw",
      overlay,
      "64M",
    ]);
    const e = await refused(overlay);
    assert.match(e.message, /not self-contained: qcow2 has a backing file/);
  });

  test("self-contained images are still accepted", async () => {
    const location = await putBlob(s.url, a, path.join(diskFixtures(), "gpt-stream.vmdk"));
    assert.match(location, /^amigate:blob\/[0-9a-f]{64}$/);
  });
});

describe("nothing served to a tenant names the server's paths", () => {
  test("a scan report and a scan error carry the image id, never DATA_DIR/blobs/…", async () => {
    const env = { AWS_ACCESS_KEY_ID: a.accessKeyId, AWS_SECRET_ACCESS_KEY: a.secretAccessKey };
    // A tar archive (its reader names the file it reads) and a truncated qcow2 (a scan error).
    const archive = path.join(tmp, "etc.tar");
    execFileSync("tar", ["-cf", archive, "-C", path.join(diskFixtures(), "trees", "groot"), "."]);
    const whole = await fsp.readFile(path.join(diskFixtures(), "gpt.qcow2"));
    const truncated = path.join(tmp, "truncated.qcow2");
    await fsp.writeFile(truncated, whole.subarray(0, 512 * 1024));
    for (const file of [archive, truncated]) {
      const out = JSON.parse(
        amigate(["push", file, "--name", path.basename(file), "--endpoint", s.url, "--json"], env),
      ) as { imageId: string };
      const scan = await waitForScan(s, a, out.imageId);
      const text = JSON.stringify(scan);
      assert.ok(!text.includes(s.dataDir), text.slice(0, 2000));
      assert.ok(!text.includes("/blobs/"), text.slice(0, 2000));
      if (file === truncated)
        assert.match(String(scan.error ?? JSON.stringify(scan.report)), new RegExp(out.imageId));
    }
  });
});
