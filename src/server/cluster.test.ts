/**
 * The scaled-out catalogue on 127.0.0.1 (docs/deploy.md): PostgreSQL (a throwaway cluster), S3
 * (s3rver), two `amigate serve --scan-workers 0` API nodes and two `amigate worker`s, every one a
 * real process. The nodes start together on the empty database; the unmodified AWS CLI v2
 * (/usr/bin/aws) runs the sharing story of e2e.test.ts against both nodes in turn; a worker
 * killed with SIGKILL mid-scan still ends in the image's verdict (another worker retries the job
 * after its expiry); an API node killed with SIGKILL during a burst of ModifyImageAttribute loses
 * no acknowledged grant (each checked through the other node).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { type PostgresCluster, postgresMissing, startPostgres } from "../../test/support/postgres.js";
import { type S3Server, startS3 } from "../../test/support/s3-server.js";
import {
  amigate,
  aws,
  createAccount,
  ec2Http,
  type Keys,
  type ServerProcess,
  signedGet,
  startServer,
} from "../../test/support/server-process.js";
import { sha256File } from "./client.js";
import { SIGN_IN_COOKIE } from "./console/sessions.js";
import { FREE_FAILURES } from "./console/throttle.js";

const MAIN = path.resolve(import.meta.dirname, "../cli/main.ts");
const DISK = path.join(
  process.env.AMIGATE_FIXTURES ?? path.join(os.homedir(), ".cache/amigate-fixtures"),
  "disk/gpt.qcow2",
);
/** The API nodes' scan budget: a killed worker's job is retried this + 30 s after it started. */
const SCAN_TIMEOUT_S = 20;
const NO_COLOR = { FORCE_COLOR: "0", NO_COLOR: "1" };

const missing =
  postgresMissing() ??
  (existsSync("/usr/bin/aws") ? undefined : "the AWS CLI v2 (/usr/bin/aws) is not installed") ??
  (existsSync(DISK) ? undefined : `the disk fixture ${DISK} is missing (fixtures/disk-images.sh)`);

test("serve --scan-workers 0 without PostgreSQL stops with exit code 2: nothing would scan", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-noscan-"));
  try {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", MAIN, "serve", "--port", "0", "--data-dir", dir, "--scan-workers", "0"],
      { encoding: "utf8", env: { ...process.env, ...NO_COLOR }, timeout: 60_000 },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--scan-workers 0 needs --database postgres:\/\//);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface WorkerProcess {
  child: ChildProcess;
  readonly stdout: string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** A real `amigate worker`, started once it says it takes jobs. */
async function startWorker(args: string[]): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "worker", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...NO_COLOR, AMIGATE_SCAN_AS_OF: "2026-03-01" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => {
    stdout += d;
  });
  child.stderr!.on("data", (d) => {
    stderr += d;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${stderr}`)), 60_000);
    const check = () => {
      if (/taking scan jobs/.test(stdout)) {
        clearTimeout(timer);
        child.stdout!.off("data", check);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => reject(new Error(`worker exited ${code}: ${stderr}`)));
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    kill: (signal) =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}

async function until<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  for (const end = Date.now() + seconds * 1000; Date.now() < end; ) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out after ${seconds} s waiting for ${what}`);
}

describe("the scaled-out catalogue: PostgreSQL, S3, two API nodes, two workers", { skip: missing }, () => {
  let cluster: PostgresCluster;
  let s3: S3Server;
  let url: string;
  let db: pg.Client;
  const dirs: string[] = [];
  let nodes: ServerProcess[] = [];
  let workers: WorkerProcess[] = [];
  let acme: Keys;
  let friend: Keys;
  let stranger: Keys;
  let imageId: string;
  const tempDir = (prefix: string) => {
    const d = mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  const extra = () => ["--database", url];
  /** The AWS CLI v2 as `keys` against node n. */
  const ec2 = (n: number, keys: Keys, args: string[]) => {
    const r = aws(nodes[n]!, keys, ["ec2", ...args]);
    return {
      ...r,
      json: r.code === 0 && r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined,
    };
  };
  const latestScan = async (id: string) =>
    (
      await db.query<{ scan_id: number; status: string }>(
        "SELECT scan_id, status FROM scans WHERE image_id = $1 ORDER BY scan_id DESC LIMIT 1",
        [id],
      )
    ).rows[0];
  const scanOf = async (n: number, keys: Keys, id: string) =>
    (await (await signedGet(nodes[n]!, keys, `/amigate/images/${id}/scan.json`)).json()) as {
      status?: string;
      error?: string;
      report?: { findings: Array<{ rule: string }> };
    };
  const tenant = (keys: Keys) => ({
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
  });

  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
    db = new pg.Client({ connectionString: url });
    await db.connect();
    s3 = await startS3("s3rver");
    Object.assign(process.env, s3.env);
    await s3.bucket("amigate-cluster");
  });
  after(async () => {
    for (const w of workers) await w.kill("SIGTERM");
    for (const n of nodes) await n.stop();
    await db?.end();
    await s3?.stop();
    cluster?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const blobs = () =>
    `s3://amigate-cluster/images/?region=us-east-1&endpoint=${encodeURIComponent(s3.endpoint)}&path-style=true`;

  test("two API nodes starting together on the empty database create one admin between them", async () => {
    // Every node has its own data dir and the same secret.key (docs/deploy.md).
    const key = `${randomBytes(32).toString("base64")}\n`;
    const nodeDirs = [tempDir("amigate-node1-"), tempDir("amigate-node2-")];
    for (const d of nodeDirs) writeFileSync(path.join(d, "secret.key"), key, { mode: 0o600 });
    const args = [
      "--database",
      url,
      "--blobs",
      blobs(),
      "--scan-workers",
      "0",
      "--gate-severity",
      "critical",
    ];
    nodes = await Promise.all(
      nodeDirs.map((d) => startServer(d, [...args, "--scan-timeout", String(SCAN_TIMEOUT_S)])),
    );
    const created = nodes.filter((n) => /created admin account \d{12}/.test(n.stdout));
    assert.equal(created.length, 1, nodes.map((n) => n.stdout).join("\n"));
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM accounts WHERE admin");
    assert.equal(rows[0]!.n, 1);
    acme = createAccount(nodes[0]!.dataDir, "acme", extra());
    friend = createAccount(nodes[1]!.dataDir, "friend", extra());
    stranger = createAccount(nodes[0]!.dataDir, "stranger", extra());
  });

  test("a node with a secret.key of its own refuses to start, naming the file", () => {
    const dir = tempDir("amigate-stray-");
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", MAIN, "serve", "--port", "0", "--data-dir", dir, "--database", url],
      { encoding: "utf8", env: { ...process.env, ...NO_COLOR }, timeout: 60_000 },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `${path.join(dir, "secret.key")} is not the key the access keys in PostgreSQL .* were sealed with`,
      ),
    );
  });

  test("two workers take scan jobs; the API nodes scan nothing themselves", async () => {
    workers = await Promise.all(
      [1, 2].map(() =>
        startWorker(["--database", url, "--blobs", blobs(), "--data-dir", tempDir("amigate-worker-")]),
      ),
    );
    const out = amigate(
      ["push", DISK, "--name", "cluster-web", "--arch", "x86_64", "--endpoint", nodes[0]!.url, "--json"],
      tenant(acme),
    );
    imageId = (JSON.parse(out) as { imageId: string }).imageId;
    const scan = await until("the scan's verdict", 120, async () => {
      const s = await scanOf(1, acme, imageId);
      return s.status === "done" || s.status === "failed" ? s : undefined;
    });
    assert.equal(scan.status, "done", scan.error);
    assert.ok(scan.report!.findings.length > 0);
    const ran = workers.filter((w) => w.stdout.includes(`scanning ${imageId} (scan `));
    assert.equal(ran.length, 1, "one worker ran the scan");
  });

  test("the sharing story with the AWS CLI v2, every step on the other node than the last", async () => {
    const images = (n: number, keys: Keys, args: string[]) =>
      (ec2(n, keys, ["describe-images", ...args]).json!.Images as Array<Record<string, unknown>>).map(
        (i) => i.ImageId,
      );
    const mine = ec2(1, acme, ["describe-images", "--owners", "self"]).json!.Images as Array<
      Record<string, unknown>
    >;
    assert.deepEqual(
      mine.map((i) => [
        i.ImageId,
        i.Name,
        i.OwnerId,
        i.Public,
        i.State,
        i.Architecture,
        i.VirtualizationType,
      ]),
      [[imageId, "cluster-web", acme.accountId, false, "available", "x86_64", "hvm"]],
    );
    const share = (n: number, what: string) =>
      ec2(n, acme, ["modify-image-attribute", "--image-id", imageId, "--launch-permission", what]);
    assert.equal(share(0, `Add=[{UserId=${friend.accountId}}]`).code, 0);
    assert.equal(share(1, "Add=[{Group=all}]").code, 0);
    assert.deepEqual(
      ec2(0, acme, ["describe-image-attribute", "--image-id", imageId, "--attribute", "launchPermission"])
        .json,
      { ImageId: imageId, LaunchPermissions: [{ UserId: friend.accountId }, { Group: "all" }] },
    );
    assert.deepEqual(images(1, stranger, ["--executable-users", "all"]), [imageId]);
    assert.deepEqual(images(0, friend, ["--executable-users", "self"]), [imageId]);
    assert.deepEqual(images(1, acme, ["--executable-users", friend.accountId]), [imageId]);
    const refused = ec2(0, friend, [
      "modify-image-attribute",
      "--image-id",
      imageId,
      "--launch-permission",
      "Remove=[{Group=all}]",
    ]);
    assert.equal(refused.code, 254);
    assert.match(refused.stderr, /\(AuthFailure\) when calling the ModifyImageAttribute operation/);

    const pulled = path.join(tempDir("amigate-cluster-pull-"), "disk.qcow2");
    amigate(["pull", imageId, "-o", pulled, "--endpoint", nodes[1]!.url], tenant(friend));
    assert.equal((await sha256File(pulled)).sha256, (await sha256File(DISK)).sha256);
    assert.ok(readFileSync(pulled).equals(readFileSync(DISK)));

    assert.equal(share(0, "Remove=[{Group=all}]").code, 0);
    assert.deepEqual(
      images(1, stranger, ["--image-ids", imageId]),
      [],
      "private again, seen so through the other node",
    );
    assert.throws(
      () => amigate(["pull", imageId, "-o", `${pulled}.x`, "--endpoint", nodes[1]!.url], tenant(stranger)),
      /InvalidAMIID\.NotFound/,
    );
    assert.equal(
      ec2(1, acme, ["reset-image-attribute", "--image-id", imageId, "--attribute", "launchPermission"]).code,
      0,
    );
    assert.deepEqual(
      ec2(0, acme, ["describe-image-attribute", "--image-id", imageId, "--attribute", "launchPermission"])
        .json,
      { ImageId: imageId, LaunchPermissions: [] },
    );
    assert.deepEqual(images(1, friend, ["--image-ids", imageId]), []);
  });

  test("a console sign-in lockout earned through one node holds on the other", async () => {
    const csrf = randomBytes(32).toString("base64url");
    const signIn = async (n: number, secret: string) => {
      const res = await fetch(new URL("/sign-in", nodes[n]!.url), {
        method: "POST",
        redirect: "manual",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: `${SIGN_IN_COOKIE}=${csrf}`,
        },
        body: new URLSearchParams({
          accessKeyId: stranger.accessKeyId,
          secretAccessKey: secret,
          csrf,
        }).toString(),
      });
      await res.arrayBuffer();
      return res.status;
    };
    for (let i = 0; i < FREE_FAILURES; i++) assert.equal(await signIn(0, "wrong-secret"), 401);
    // The other node hears of it within moments (LISTEN/NOTIFY); even the right secret waits.
    await until("the lockout on the other node", 10, async () =>
      (await signIn(1, "wrong-secret")) === 429 ? true : undefined,
    );
    assert.equal(await signIn(1, stranger.secretAccessKey), 429);
  });

  test("a worker killed with SIGKILL mid-scan: another worker retries the job and the image gets its verdict", async () => {
    const out = amigate(
      ["push", DISK, "--name", "cluster-kill", "--endpoint", nodes[1]!.url, "--json"],
      tenant(acme),
    );
    const id = (JSON.parse(out) as { imageId: string }).imageId;
    const running = await until("the scan running on a worker", 120, async () => {
      const s = await latestScan(id);
      return s?.status === "running" ? s : undefined;
    });
    const holder = workers.find((w) =>
      w.stdout.includes(`scanning ${id} (scan ${running.scan_id}, attempt 1)`),
    );
    assert.ok(holder, "a worker said it took the job");
    await holder.kill("SIGKILL");
    assert.equal((await latestScan(id))?.status, "running", "killed before the scan finished");
    const survivor = workers.find((w) => w !== holder)!;
    // The job's expiry is the API node's scan budget plus 30 s; maintenance then hands it back.
    const scan = await until("the retried scan's verdict", SCAN_TIMEOUT_S + 120, async () => {
      const s = await scanOf(0, acme, id);
      return s.status === "done" || s.status === "failed" ? s : undefined;
    });
    assert.equal(scan.status, "done", scan.error);
    assert.match(survivor.stdout, new RegExp(`scanning ${id} \\(scan ${running.scan_id}, attempt 2\\)`));
    const first = await scanOf(1, acme, imageId);
    assert.deepEqual(
      scan.report!.findings.map((f) => f.rule).sort(),
      first.report!.findings.map((f) => f.rule).sort(),
      "the same verdict as the same disk scanned undisturbed",
    );
    workers = workers.filter((w) => w !== holder);
  });

  test("an API node killed with SIGKILL during a burst of ModifyImageAttribute loses no acknowledged grant", async () => {
    const grantees = Array.from({ length: 80 }, (_, i) => String(200_000_000_000 + i));
    const acknowledged: string[] = [];
    const victim = nodes[0]!;
    let sent = 0;
    const sendOne = async (n: number): Promise<void> => {
      const grantee = grantees[sent++];
      if (grantee === undefined) return;
      try {
        const r = await ec2Http(nodes[n]!.url, acme, "ModifyImageAttribute", {
          ImageId: imageId,
          "LaunchPermission.Add.1.UserId": grantee,
        });
        if (r.status === 200) acknowledged.push(grantee);
      } catch {
        // The killed node's connections end without an answer: not acknowledged.
      }
      return sendOne(n);
    };
    const burst = [0, 1, 0, 1, 0, 1].map((n) => sendOne(n));
    await until("a third of the grants acknowledged", 120, async () =>
      acknowledged.length >= grantees.length / 3 ? true : undefined,
    );
    victim.child.kill("SIGKILL");
    await Promise.all(burst);
    await new Promise<void>((r) =>
      victim.child.exitCode !== null || victim.child.signalCode !== null
        ? r()
        : victim.child.once("exit", () => r()),
    );
    const listed = ec2(1, acme, [
      "describe-image-attribute",
      "--image-id",
      imageId,
      "--attribute",
      "launchPermission",
    ]).json!.LaunchPermissions as Array<{ UserId: string }>;
    const granted = new Set(listed.map((p) => p.UserId));
    assert.deepEqual(
      acknowledged.filter((g) => !granted.has(g)),
      [],
      `every acknowledged grant is there (${acknowledged.length} acknowledged, ${granted.size} listed)`,
    );
    assert.ok(acknowledged.length < grantees.length, "some requests went to the node as it died");
  });
});
