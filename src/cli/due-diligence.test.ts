/**
 * Due diligence against a real `amigate serve`: `amigate report` prints the catalogue's scan of an
 * image the caller can see (text, JSON, HTML), and `amigate pull` shows the verdict first and
 * refuses a failing image unless --accept-findings. The images are two small trees of files from
 * the real Debian rootfs, pushed with `amigate push` and scanned by the server's worker: one
 * whose sshd accepts passwords (fails), one with Debian's sshd set up as the rootfs has it (passes).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  createAccount,
  type Keys,
  type ServerProcess,
  startServer,
  waitForScan,
} from "../../test/support/server-process.js";
import { debianRootfsPath } from "../../test/support/trees.js";
import { ec2Call } from "../server/client.js";

const MAIN = path.resolve(import.meta.dirname, "main.ts");

let server: ServerProcess;
let owner: Keys;
let consumer: Keys;
let stranger: Keys;
let dir: string;
let failing: string;
let passing: string;

function cli(keys: Keys, args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args, "--endpoint", server.url], {
    encoding: "utf8",
    env: { ...process.env, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A tree of a few files copied from the Debian rootfs, as a tar archive. */
function tarOf(name: string, files: string[], extra: (root: string) => void): string {
  const rootfs = debianRootfsPath();
  const root = path.join(dir, name);
  for (const f of files) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    cpSync(path.join(rootfs, f), path.join(root, f), { recursive: true });
  }
  extra(root);
  const tar = `${root}.tar`;
  execFileSync("tar", ["-C", root, "-cf", tar, "."]);
  return tar;
}

async function push(file: string, name: string): Promise<string> {
  const r = cli(owner, ["push", file, "--name", name, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const { imageId } = JSON.parse(r.stdout) as { imageId: string };
  await ec2Call(server.url, owner, "ModifyImageAttribute", {
    ImageId: imageId,
    "LaunchPermission.Add.1.UserId": consumer.accountId,
  });
  return imageId;
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "amigate-dd-"));
  server = await startServer();
  owner = createAccount(server.dataDir, "publisher");
  consumer = createAccount(server.dataDir, "consumer");
  stranger = createAccount(server.dataDir, "stranger");
  const sshd = [
    "etc/os-release",
    "etc/ssh/sshd_config",
    "etc/ssh/sshd_config.d",
    "lib/systemd/system/ssh.service",
    "usr/sbin/sshd",
  ];
  const enable = (root: string) => {
    mkdirSync(path.join(root, "etc/systemd/system/multi-user.target.wants"), { recursive: true });
    symlinkSync(
      "/lib/systemd/system/ssh.service",
      path.join(root, "etc/systemd/system/multi-user.target.wants/ssh.service"),
    );
  };
  const passTar = tarOf("pass", sshd, enable);
  const failTar = tarOf("fail", sshd, (root) => {
    enable(root);
    writeFileSync(path.join(root, "etc/ssh/sshd_config.d/10-passwords.conf"), "PasswordAuthentication yes\n");
  });
  failing = await push(failTar, "dd-failing");
  passing = await push(passTar, "dd-passing");
  for (const id of [failing, passing]) assert.equal((await waitForScan(server, owner, id)).status, "done");
});

after(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("report: the consumer reads what was found, as text, JSON and HTML; exit 1 for a failing image", () => {
  const text = cli(consumer, ["report", failing]);
  assert.equal(text.code, 1, text.stderr);
  assert.match(text.stdout, /ssh-password-auth/);
  assert.match(text.stdout, /10-passwords\.conf/);
  const json = cli(consumer, ["report", failing, "--format", "json"]);
  const report = JSON.parse(json.stdout) as { passed: boolean; findings: Array<{ rule: string }> };
  assert.equal(report.passed, false);
  assert.ok(report.findings.some((f) => f.rule === "ssh-password-auth"));
  const out = path.join(dir, "report.html");
  const html = cli(consumer, ["report", failing, "--format", "html", "-o", out]);
  assert.equal(html.code, 1);
  assert.match(readFileSync(out, "utf8"), /^<!doctype html>[\s\S]*<span class="verdict fail">FAIL<\/span>/);
  assert.match(html.stderr, new RegExp(`${failing} FAIL: 1 finding at or above high: ssh-password-auth`));
  const ok = cli(consumer, ["report", passing]);
  assert.equal(ok.code, 0, ok.stdout);
});

test("report: an image the caller cannot see does not exist for them (exit 2)", () => {
  const r = cli(stranger, ["report", failing]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /InvalidAMIID\.NotFound/);
});

test("pull: the verdict first; a failing image is refused unless --accept-findings", () => {
  const out = path.join(dir, "pulled.tar");
  const refused = cli(consumer, ["pull", failing, "-o", out]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`${failing} FAIL: 1 finding at or above high: ssh-password-auth`));
  assert.match(refused.stderr, /not pulled\. Read the findings with `amigate report/);
  assert.equal(existsSync(out), false);
  const accepted = cli(consumer, ["pull", failing, "-o", out, "--accept-findings"]);
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.ok(readFileSync(out).equals(readFileSync(path.join(dir, "fail.tar"))));
  const clean = path.join(dir, "clean.tar");
  const pulled = cli(consumer, ["pull", passing, "-o", clean]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.match(pulled.stderr, new RegExp(`${passing} PASS: no finding at or above high`));
  assert.ok(readFileSync(clean).equals(readFileSync(path.join(dir, "pass.tar"))));
});
