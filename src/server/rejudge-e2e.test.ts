/**
 * `amigate db import … --rejudge` against a running `amigate serve --on-regression make-private`:
 * the server judges its stored reports again with the database the CLI just wrote; a public image
 * whose verdict regressed is tagged, audited and made private. A CLI pointed at another database
 * file than the server reads is told so.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { debianRecords } from "../../test/support/osv-records.js";
import { buildVulnDbs, scanDebian } from "../../test/support/rejudge-fixtures.js";
import { aws, type ServerProcess, signedGet, startServer } from "../../test/support/server-process.js";
import { testImage } from "../../test/support/store.js";
import { REPO_ROOT } from "../../test/support/trees.js";
import { openStore } from "./catalogue.js";
import type { RejudgeStatus } from "./rejudge.js";
import type { NewAccount } from "./store/types.js";

const work = mkdtempSync(path.join(os.tmpdir(), "amigate-rejudge-e2e-"));
let server: ServerProcess;
let admin: NewAccount;
let owner: NewAccount;
let imageId: string;
const serverDb = path.join(work, "server.db");

const keysOf = (a: NewAccount) => ({ ...a, accountId: a.account.accountId });

function cli(args: string[], keys: NewAccount) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("AWS_")) delete env[k];
  return spawnSync(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "src/cli/main.ts"), ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: {
      ...env,
      AWS_ACCESS_KEY_ID: keys.accessKeyId,
      AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
      AWS_CONFIG_FILE: path.join(work, "no-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(work, "no-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
      FORCE_COLOR: "0",
      NO_COLOR: "1",
    },
  });
}

async function status(): Promise<RejudgeStatus> {
  const res = await signedGet(server, keysOf(admin), "/amigate/rejudge");
  assert.equal(res.status, 200);
  return (await res.json()) as RejudgeStatus;
}

describe("db import --rejudge against amigate serve", () => {
  before(async () => {
    const { oldDb } = buildVulnDbs(work);
    copyFileSync(oldDb, serverDb);
    const { report, snapshot } = await scanDebian("2026-03-01", serverDb);
    const dataDir = path.join(work, "data");
    const store = openStore(dataDir);
    admin = await store.createAccount({ admin: true });
    owner = await store.createAccount({ alias: "acme" });
    const image = testImage(owner.account.accountId, "web-1");
    imageId = image.imageId;
    await store.insertImage(image, []);
    await store.modifyLaunchPermissions(imageId, [{ group: "all" }], []);
    const scan = await store.createScan(imageId);
    await store.updateScan(scan.scanId, {
      status: "done",
      report: JSON.stringify(report),
      facts: JSON.stringify(snapshot),
    });
    await store.close();
    server = await startServer(
      dataDir,
      ["--db", serverDb, "--on-regression", "make-private", "--rejudge-at", "off"],
      { requireVulnerabilityChecks: true },
    );
  });
  after(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("imports, asks the server, and the public image that now fails is tagged and made private", async () => {
    const records = path.join(work, "records.json");
    writeFileSync(records, JSON.stringify(debianRecords));
    const r = cli(["db", "import", records, "--db", serverDb, "--rejudge", "--endpoint", server.url], admin);
    assert.equal(r.status, 0, r.stderr);
    // The server's scans are pinned to 2026-03-01 (AMIGATE_SCAN_AS_OF), and so is its re-judging.
    assert.match(r.stdout, new RegExp(`re-judging every image on ${server.url} as of 2026-03-01`));
    assert.equal(r.stderr, "", "the server reads the database just written");
    let s = await status();
    for (let i = 0; (s.running || s.waiting || !s.last) && i < 300; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      s = await status();
    }
    assert.deepEqual([s.last?.regressed, s.last?.madePrivate], [[imageId], [imageId]]);
    const scan = (await (
      await signedGet(server, keysOf(owner), `/amigate/images/${imageId}/scan.json`)
    ).json()) as {
      verdict: string;
      verdictReasons: string[];
    };
    assert.equal(scan.verdict, "fail");
    assert.match(scan.verdictReasons.join(" "), /known-vulnerabilities/);
    // DescribeImages through the unmodified AWS CLI: the owner sees the tag, and the image is private.
    const described = aws(server, keysOf(owner), ["ec2", "describe-images", "--image-ids", imageId]);
    assert.equal(described.code, 0, described.stderr);
    const [img] = (JSON.parse(described.stdout) as { Images: Array<{ Public: boolean; Tags?: unknown[] }> })
      .Images;
    assert.deepEqual([img?.Public, img?.Tags], [false, [{ Key: "amigate:verdict", Value: "fail" }]]);
    assert.match(
      server.stdout,
      /re-judged 1 images as of 2026-03-01 \(api\): 1 reports changed, 1 regressed, 1 made private/,
    );
  });

  it("a --rejudge with another database than the server's is told so; without --endpoint it stops before importing", () => {
    const other = path.join(work, "other.db");
    const records = path.join(work, "records.json");
    const r = cli(["db", "import", records, "--db", other, "--rejudge", "--endpoint", server.url], admin);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`the catalogue judges with ${serverDb} .*not the database just written \\(${other}`),
    );
    const none = path.join(work, "never.db");
    const bare = cli(["db", "import", records, "--db", none, "--rejudge"], admin);
    assert.equal(bare.status, 2);
    assert.match(bare.stderr, /--rejudge needs the catalogue's URL/);
    assert.equal(spawnSync("test", ["-e", none]).status, 1, "nothing imported");
    const stranger = cli(
      ["db", "import", records, "--db", other, "--rejudge", "--endpoint", server.url],
      owner,
    );
    assert.notEqual(stranger.status, 0);
    assert.match(stranger.stderr, /UnauthorizedOperation|admin/);
  });
});
