/**
 * `amigate push` and `pull` the way the AWS tools connect, against a real `amigate serve`: the
 * standard credential chain (profiles in the shared files chosen by --profile or AWS_PROFILE,
 * `credential_process`, temporary credentials signed and refused), HTTPS through a TLS front with a
 * self-signed certificate (--ca-bundle, AWS_CA_BUNDLE), resumable multipart uploads, progress on a
 * terminal, and `push --wait`. Real disk images (fixtures/vfat-images.sh), real child processes.
 */

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { type CliRun, startedCli } from "../../test/support/cli-child.js";
import {
  type Forwarded,
  type Front,
  type SelfSigned,
  selfSigned,
  startFront,
} from "../../test/support/front.js";
import {
  createAccount,
  ec2Http,
  type Keys,
  type ServerProcess,
  startServer,
} from "../../test/support/server-process.js";
import { debianRootfsPath } from "../../test/support/trees.js";
import { vfatImagesPath } from "../../test/support/vfat-images.js";
import { signHeaders } from "../server/sign.js";

const MAIN = path.resolve(import.meta.dirname, "main.ts");

let server: ServerProcess;
let acme: Keys;
let other: Keys;
let dir: string;
let FAT12: string;

before(async () => {
  server = await startServer();
  acme = createAccount(server.dataDir, "acme");
  other = createAccount(server.dataDir, "other");
  dir = mkdtempSync(path.join(os.tmpdir(), "amigate-push-pull-"));
  FAT12 = path.join(vfatImagesPath(), "fat12.img");
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The environment of a user with no credentials anywhere: no keys, no profile, a HOME without
 * ~/.aws, no container or instance metadata (which would otherwise be tried last, over the network).
 */
function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("AWS_")) delete env[k];
  return {
    ...env,
    HOME: dir,
    AWS_CONFIG_FILE: path.join(dir, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "no-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    FORCE_COLOR: "0",
    NO_COLOR: "1",
    ...extra,
  };
}

type Run = CliRun;

/** The CLI as a child; asynchronous, since the fronts it talks to run in this process. */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return started(args, env).done;
}

const started = startedCli;

const keyLines = (k: Keys) =>
  `aws_access_key_id = ${k.accessKeyId}\naws_secret_access_key = ${k.secretAccessKey}\n`;

async function ownerOf(imageId: string): Promise<string | undefined> {
  const r = await ec2Http(server.url, acme, "DescribeImages", { "ImageId.1": imageId });
  return /<imageOwnerId>(\d{12})<\/imageOwnerId>/.exec(r.raw)?.[1];
}

describe("credentials: the standard chain", () => {
  let files: { config: string; credentials: string };
  before(() => {
    files = { config: path.join(dir, "config"), credentials: path.join(dir, "credentials") };
    // The default profile is another account: the profile chosen must be the one that signs.
    writeFileSync(files.credentials, `[default]\n${keyLines(other)}\n[acme]\n${keyLines(acme)}`);
    writeFileSync(files.config, "[default]\nregion = us-east-1\n\n[profile acme]\nregion = us-east-1\n");
  });
  const withFiles = (extra: Record<string, string> = {}) =>
    bareEnv({ AWS_CONFIG_FILE: files.config, AWS_SHARED_CREDENTIALS_FILE: files.credentials, ...extra });

  test("--profile picks a profile of the shared credentials file; AWS_PROFILE does the same for pull", async () => {
    const pushed = await cli(
      ["push", FAT12, "--name", "by-profile", "--profile", "acme", "--endpoint", server.url, "--json"],
      withFiles(),
    );
    assert.equal(pushed.code, 0, pushed.stderr);
    // stderr is not a terminal: no progress bar.
    assert.equal(pushed.stderr, "");
    const { imageId } = JSON.parse(pushed.stdout) as { imageId: string };
    assert.equal(await ownerOf(imageId), acme.accountId);

    const out = path.join(dir, "pulled-by-profile.img");
    const pull = ["pull", imageId, "-o", out, "--accept-findings", "--endpoint", server.url];
    const pulled = await cli(pull, withFiles({ AWS_PROFILE: "acme" }));
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.ok(readFileSync(out).equals(readFileSync(FAT12)));
    // The default profile signs as the other account, which cannot see the private image.
    const refused = await cli(pull, withFiles());
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /InvalidAMIID\.NotFound/);
  });

  test("a profile whose credential_process prints the keys signs the push", async () => {
    const script = path.join(dir, "print-keys.mjs");
    writeFileSync(
      script,
      `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: ${JSON.stringify(acme.accessKeyId)}, SecretAccessKey: ${JSON.stringify(acme.secretAccessKey)} }));\n`,
    );
    chmodSync(script, 0o755);
    const config = path.join(dir, "config-process");
    writeFileSync(
      config,
      `[profile keys-from-process]\ncredential_process = ${process.execPath} ${script}\n`,
    );
    const r = await cli(
      ["push", FAT12, "--name", "by-process", "--profile", "keys-from-process", "--endpoint", server.url],
      bareEnv({ AWS_CONFIG_FILE: config }),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await ownerOf(r.stdout.trim()), acme.accountId);
  });

  test("temporary credentials are signed with their token and refused, saying why", async () => {
    const signed = await signHeaders(
      { ...acme, sessionToken: "token-of-a-role" },
      { method: "GET", url: new URL("/amigate/images/ami-0/scan", server.url), headers: {}, body: "" },
    );
    assert.equal(signed["x-amz-security-token"], "token-of-a-role");
    assert.match(signed.authorization ?? "", /SignedHeaders=[^,]*x-amz-security-token/);
    const r = await cli(
      ["push", FAT12, "--name", "by-role", "--endpoint", server.url],
      bareEnv({
        AWS_ACCESS_KEY_ID: acme.accessKeyId,
        AWS_SECRET_ACCESS_KEY: acme.secretAccessKey,
        AWS_SESSION_TOKEN: "token-of-a-role",
      }),
    );
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /AuthFailure: AWS was not able to validate the provided access credentials \(these are temporary credentials with a session token; amigate serve accepts only the long-term keys it issued/,
    );
  });

  test("no credentials anywhere: exit 2 naming what to set; an unknown profile is named", async () => {
    const none = await cli(["push", FAT12, "--name", "nobody", "--endpoint", server.url], bareEnv());
    assert.equal(none.code, 2);
    assert.match(
      none.stderr,
      /^amigate: no AWS credentials: .*set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/m,
    );
    const unknown = await cli(
      ["push", FAT12, "--name", "nobody", "--profile", "nope", "--endpoint", server.url],
      withFiles(),
    );
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no AWS credentials for profile nope/);
  });
});

describe("https endpoints: --ca-bundle and AWS_CA_BUNDLE", () => {
  let tls: SelfSigned;
  let front: Front;
  before(async () => {
    tls = selfSigned();
    front = await startFront(server.url, tls);
  });
  after(() => front.close());
  const keysEnv = (extra: Record<string, string> = {}) =>
    bareEnv({ AWS_ACCESS_KEY_ID: acme.accessKeyId, AWS_SECRET_ACCESS_KEY: acme.secretAccessKey, ...extra });

  test("push with --ca-bundle and pull with AWS_CA_BUNDLE go over TLS; the bytes come back whole", async () => {
    const pushed = await cli(
      ["push", FAT12, "--name", "over-tls", "--endpoint", front.url, "--ca-bundle", tls.certFile, "--json"],
      keysEnv(),
    );
    assert.equal(pushed.code, 0, pushed.stderr);
    const { imageId } = JSON.parse(pushed.stdout) as { imageId: string };
    const out = path.join(dir, "pulled-over-tls.img");
    const pulled = await cli(
      ["pull", imageId, "-o", out, "--accept-findings", "--endpoint", front.url],
      keysEnv({ AWS_CA_BUNDLE: tls.certFile }),
    );
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.ok(readFileSync(out).equals(readFileSync(FAT12)));
    const seen = front.forwarded.map(
      (r) => `${r.method} ${r.path.replace(/ami-[0-9a-f]+/, "ami-…")} ${r.status}`,
    );
    assert.deepEqual(seen, [
      "PUT /amigate/blobs 200",
      "POST / 200",
      "GET /amigate/images/ami-…/scan.json 200",
      "GET /amigate/images/ami-…/blob 200",
    ]);
  });

  test("without the CA the certificate is refused and nothing is sent; an unreadable bundle is named", async () => {
    const before = front.forwarded.length;
    const r = await cli(["push", FAT12, "--name", "untrusted", "--endpoint", front.url], keysEnv());
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^amigate: https:\/\/127\.0\.0\.1:\d+: DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate\n$/,
    );
    assert.equal(front.forwarded.length, before);
    const missing = await cli(
      [
        "push",
        FAT12,
        "--name",
        "untrusted",
        "--endpoint",
        front.url,
        "--ca-bundle",
        path.join(dir, "nope.pem"),
      ],
      keysEnv(),
    );
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^amigate: --ca-bundle \S+nope\.pem: ENOENT\n$/);
    const notPem = await cli(
      ["pull", "ami-0123456789abcdef0", "-o", path.join(dir, "x"), "--endpoint", front.url],
      keysEnv({ AWS_CA_BUNDLE: FAT12 }),
    );
    assert.equal(notPem.code, 2);
    assert.match(notPem.stderr, /^amigate: AWS_CA_BUNDLE \S+fat12\.img: no PEM certificate in it\n$/);
  });
});

/** Polls `done` every 50 ms, for at most two minutes. */
async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 2400; i++) {
    if (done()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}

describe("resumable multipart upload", () => {
  test("a push killed after some parts, run again with the same file, sends only the missing parts; the pulled bytes are the file's", async () => {
    const FAT16 = path.join(vfatImagesPath(), "fat16.img");
    const size = readFileSync(FAT16).length;
    const parts = Math.ceil(size / (1024 * 1024));
    assert.equal(parts, 32);
    const front = await startFront(server.url);
    try {
      const cache = path.join(dir, "cache");
      const env = bareEnv({
        AWS_ACCESS_KEY_ID: acme.accessKeyId,
        AWS_SECRET_ACCESS_KEY: acme.secretAccessKey,
        XDG_CACHE_HOME: cache,
      });
      const args = ["push", FAT16, "--name", "in-parts", "--part-size", "1M", "--multipart-threshold", "1M"];
      const isPart = (r: Forwarded) => r.method === "PUT" && r.path.includes("/parts/");
      const partsOf = (rs: Forwarded[]) => rs.filter(isPart);
      const numberOf = (r: Forwarded) => Number(/\/parts\/(\d+)$/.exec(r.path)![1]);
      // Five parts reach the server; the sixth and later are held until the push is killed.
      front.hold = (r) => isPart(r) && partsOf(front.forwarded).length >= 5;
      const first = started([...args, "--endpoint", front.url, "--json"], env);
      await until(
        "five parts answered and one held",
        () => front.held.length > 0 && partsOf(front.forwarded).every((r) => r.status !== undefined),
      );
      first.child.kill("SIGKILL");
      assert.equal((await first.done).code, null);
      const before = partsOf(front.forwarded);
      assert.equal(before.length, 5);
      assert.ok(before.every((r) => r.status === 200));
      assert.equal(readdirSync(path.join(cache, "amigate", "uploads")).length, 1);

      front.hold = undefined;
      const mark = front.forwarded.length;
      const second = await cli([...args, "--endpoint", front.url, "--json"], env);
      assert.equal(second.code, 0, second.stderr);
      const { imageId } = JSON.parse(second.stdout) as { imageId: string };
      const after = partsOf(front.forwarded.slice(mark));
      assert.ok(after.every((r) => r.status === 200));
      // Each part reached the server once: the first run's and the second's together, no repeats.
      const numbers = [...before, ...after].map(numberOf);
      assert.equal(numbers.length, parts);
      assert.deepEqual(
        numbers.sort((a, b) => a - b),
        Array.from({ length: parts }, (_, i) => i + 1),
      );
      assert.equal(
        front.forwarded.filter((r) => r.method === "POST" && r.path === "/amigate/uploads").length,
        1,
      );
      assert.deepEqual(readdirSync(path.join(cache, "amigate", "uploads")), []);

      const out = path.join(dir, "pulled-in-parts.img");
      const pulled = await cli(
        ["pull", imageId, "-o", out, "--accept-findings", "--endpoint", server.url],
        env,
      );
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.ok(readFileSync(out).equals(readFileSync(FAT16)));
    } finally {
      await front.close();
    }
  });

  test("run again with another --part-size, the interrupted session is aborted (its parts no longer count) and a new one used", async () => {
    // Bytes of its own: a blob records one uploader, and acme pushed fat16.img above.
    const file = path.join(dir, "random-20m.bin");
    writeFileSync(file, randomBytes(20 * 1024 * 1024));
    const front = await startFront(server.url);
    try {
      const env = bareEnv({
        AWS_ACCESS_KEY_ID: other.accessKeyId,
        AWS_SECRET_ACCESS_KEY: other.secretAccessKey,
        XDG_CACHE_HOME: path.join(dir, "cache-other"),
      });
      const base = [
        "push",
        file,
        "--name",
        "resized",
        "--multipart-threshold",
        "1M",
        "--endpoint",
        front.url,
      ];
      const isPart = (r: Forwarded) => r.method === "PUT" && r.path.includes("/parts/");
      front.hold = (r) => isPart(r) && front.forwarded.filter(isPart).length >= 2;
      const first = started([...base, "--part-size", "1M"], env);
      await until(
        "two parts answered and one held",
        () => front.held.length > 0 && front.forwarded.filter(isPart).every((r) => r.status !== undefined),
      );
      first.child.kill("SIGKILL");
      await first.done;
      const created = front.forwarded.filter((r) => r.method === "POST" && r.path === "/amigate/uploads");
      assert.equal(created.length, 1);
      front.hold = undefined;
      const second = await cli([...base, "--part-size", "2M"], env);
      assert.equal(second.code, 0, second.stderr);
      const deleted = front.forwarded.filter((r) => r.method === "DELETE");
      assert.equal(deleted.length, 1);
      assert.match(deleted[0]!.path, /^\/amigate\/uploads\/[0-9a-f]{32}$/);
      assert.equal(deleted[0]!.status, 200);
      assert.equal(
        front.forwarded.filter((r) => r.method === "POST" && r.path === "/amigate/uploads").length,
        2,
      );
      assert.equal(front.forwarded.filter(isPart).length, 2 + 10);
      const url = new URL("/amigate/uploads", server.url);
      const open = await fetch(url, {
        headers: await signHeaders(other, { method: "GET", url, headers: {}, body: "" }),
      });
      assert.deepEqual(await open.json(), { uploads: [] });
    } finally {
      await front.close();
    }
  });
});

describe("progress on a terminal (script(1))", {
  skip: spawnSync("script", ["--version"]).status !== 0,
}, () => {
  /** Runs the CLI with stderr on a pty and stdout in a file; returns what the terminal received. */
  function onTerminal(args: string[], stdoutFile: string): { code: number | null; terminal: string } {
    const quoted = [process.execPath, "--import", "tsx", MAIN, ...args].map((a) => `'${a}'`).join(" ");
    const r = spawnSync("script", ["-qec", `${quoted} > '${stdoutFile}'`, "/dev/null"], {
      encoding: "utf8",
      env: bareEnv({ AWS_ACCESS_KEY_ID: acme.accessKeyId, AWS_SECRET_ACCESS_KEY: acme.secretAccessKey }),
      timeout: 120_000,
    });
    return { code: r.status, terminal: r.stdout };
  }
  const CLEAR = "\r\x1b[2K";

  test("push and pull draw bytes, a percentage and the rate on stderr, then clear it; stdout stays clean; --json draws nothing", () => {
    const stdout = path.join(dir, "terminal-stdout");
    const push = onTerminal(["push", FAT12, "--name", "on-a-terminal", "--endpoint", server.url], stdout);
    assert.equal(push.code, 0, push.terminal);
    assert.match(
      push.terminal,
      /^\r\x1b\[2Khashing fat12\S* \[[#.]{24}\] +\d+% {2}[\d.]+ MiB of 4\.0 MiB {2}[\d.]+ MiB\/s/,
    );
    assert.match(
      push.terminal,
      /\r\x1b\[2Kuploading fat12\S* \[[#.]{24}\] +\d+% {2}[\d.]+ MiB of 4\.0 MiB {2}[\d.]+ MiB\/s/,
    );
    assert.ok(push.terminal.endsWith(CLEAR), JSON.stringify(push.terminal.slice(-40)));
    const imageId = readFileSync(stdout, "utf8").trim();
    assert.match(imageId, /^ami-[0-9a-f]{17}$/);

    const out = path.join(dir, "pulled-on-a-terminal.img");
    const pull = onTerminal(
      ["pull", imageId, "-o", out, "--accept-findings", "--endpoint", server.url],
      stdout,
    );
    assert.equal(pull.code, 0, pull.terminal);
    // The label is cut to fit the terminal once the rate is shown ("ami-66f7dc257a…", or "ami…"
    // beside a rate of "200 MiB/s").
    assert.match(
      pull.terminal,
      /\r\x1b\[2Kdownloading ami\S* \[[#.]{24}\] +\d+% {2}[\d.]+ MiB of 4\.0 MiB {2}[\d.]+ MiB\/s/,
    );
    assert.ok(readFileSync(out).equals(readFileSync(FAT12)));

    const json = onTerminal(
      ["push", FAT12, "--name", "on-a-terminal-json", "--endpoint", server.url, "--json"],
      stdout,
    );
    assert.equal(json.code, 0, json.terminal);
    assert.equal(json.terminal, "");
    assert.match(readFileSync(stdout, "utf8"), /^\{"imageId":"ami-[0-9a-f]{17}"\}\n$/);
  });
});

describe("push --wait", () => {
  const keysEnv = () =>
    bareEnv({ AWS_ACCESS_KEY_ID: acme.accessKeyId, AWS_SECRET_ACCESS_KEY: acme.secretAccessKey });

  /** Debian's sshd, set up and enabled as the rootfs has it, and nothing else: it passes the gate. */
  function passingTar(): string {
    const rootfs = debianRootfsPath();
    const root = path.join(dir, "passing");
    for (const f of [
      "etc/os-release",
      "etc/ssh/sshd_config",
      "etc/ssh/sshd_config.d",
      "lib/systemd/system/ssh.service",
      "usr/sbin/sshd",
    ]) {
      mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      cpSync(path.join(rootfs, f), path.join(root, f), { recursive: true });
    }
    mkdirSync(path.join(root, "etc/systemd/system/multi-user.target.wants"), { recursive: true });
    symlinkSync(
      "/lib/systemd/system/ssh.service",
      path.join(root, "etc/systemd/system/multi-user.target.wants/ssh.service"),
    );
    execFileSync("tar", ["-C", root, "-cf", `${root}.tar`, "."]);
    return `${root}.tar`;
  }

  test("a failing image: the verdict and where to read the report, exit 1; --json says the same as one object", async () => {
    const r = await cli(
      ["push", FAT12, "--name", "wait-fails", "--wait", "--endpoint", server.url],
      keysEnv(),
    );
    assert.equal(r.code, 1, r.stderr);
    const imageId = r.stdout.trim();
    assert.match(imageId, /^ami-[0-9a-f]{17}$/);
    assert.match(
      r.stderr,
      new RegExp(
        `^amigate: ${imageId} FAIL: 1 finding at or above high: scan-incomplete \\(scanned [^)]+\\)\n`,
      ),
    );
    assert.ok(
      r.stderr.endsWith(
        `amigate: the report: \`amigate report ${imageId} --endpoint ${server.url}\`, or ${server.url}/images/${imageId} in a browser\n`,
      ),
      r.stderr,
    );

    const j = await cli(
      ["push", FAT12, "--name", "wait-fails-json", "--wait", "--json", "--endpoint", server.url],
      keysEnv(),
    );
    assert.equal(j.code, 1, j.stderr);
    assert.equal(j.stderr, "");
    const out = JSON.parse(j.stdout) as Record<string, unknown>;
    const id = out.imageId as string;
    assert.deepEqual(out, {
      imageId: id,
      verdict: "fail",
      scanId: out.scanId,
      scanStatus: "done",
      failOn: "high",
      failing: ["scan-incomplete"],
      reportCommand: `amigate report ${id} --endpoint ${server.url}`,
      consoleUrl: `${server.url}/images/${id}`,
    });
    assert.equal(typeof out.scanId, "number");
  });

  test("a passing image: PASS, exit 0", async () => {
    const r = await cli(
      ["push", passingTar(), "--name", "wait-passes", "--wait", "--json", "--endpoint", server.url],
      keysEnv(),
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { verdict: string; failing: string[]; scanStatus: string };
    assert.deepEqual([out.verdict, out.scanStatus, out.failing], ["pass", "done", []]);
  });
});
