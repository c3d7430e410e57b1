/**
 * Archives inside an image are read: a backup tarball, a rotated log, a zip of an app's settings.
 * Before, each was a binary file to the content pass and the image passed with the keys in them.
 * The tree is made here by the real tools (tar, gzip, zstd, zip, ssh-keygen, mkfs.ext4 -d).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFAULT_INSPECT_OPTIONS } from "../src/inspect/context.js";
import type { ScanResult } from "../src/policy/result.js";
import { scan } from "../src/scan/session.js";
import { openTarget } from "../src/target/open.js";
import { REPO_ROOT } from "./support/trees.js";

const AS_OF = new Date("2026-03-01T00:00:00Z");
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "amigate-archive-verdict-"));
after(() => fsp.rm(tmp, { recursive: true, force: true }));

const KEY_ID = "AKIAZ3MXQ7ULH2WPBN4R";
const SECRET = "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";
const sh = (cmd: string, cwd = tmp) =>
  execFileSync("bash", ["-euo", "pipefail", "-c", cmd], { cwd, stdio: "pipe" });

/** The content pass's plan and what it reported read (its progress bar's two numbers). */
const progress = { planned: 0, read: 0 };

async function scanOf(input: string, contentThread: "off" | "always"): Promise<ScanResult> {
  const target = await openTarget(input);
  progress.planned = 0;
  progress.read = 0;
  const counted = {
    planned: (n: number) => {
      progress.planned += n;
    },
    read: (n: number) => {
      progress.read += n;
    },
  };
  try {
    return await scan(
      { input, kind: target.kind, description: target.description, notes: target.notes, gaps: target.gaps },
      target.roots,
      { now: AS_OF, inspect: { ...DEFAULT_INSPECT_OPTIONS, now: AS_OF, contentThread, progress: counted } },
    );
  } finally {
    await target.close();
  }
}

const where = (r: ScanResult) =>
  r.findings
    .filter((f) => f.path?.includes("!/") || f.rule === "scan-incomplete")
    .map((f) => `${f.rule} ${f.path}${f.line ? `:${f.line}` : ""}${f.fixable ? " fixable" : ""}`)
    .sort();

let tree: string;
let ext4: string;

before(async () => {
  tree = path.join(tmp, "tree");
  const stage = path.join(tmp, "stage");
  for (const d of [
    "etc",
    "root/.npm/_cacache/content-v2/sha512/3f/a1",
    "var/log",
    "opt/app",
    "srv",
    "var/backups",
  ])
    await fsp.mkdir(path.join(tree, d), { recursive: true });
  for (const d of [
    "site/var/www",
    "site/home/deploy/.aws",
    "keys",
    "clean",
    "npm/package/test/fixtures",
    "npm/package/lib",
  ])
    await fsp.mkdir(path.join(stage, d), { recursive: true });
  await fsp.writeFile(path.join(tree, "etc/os-release"), "ID=debian\nVERSION_ID=12\n");
  await fsp.writeFile(
    path.join(stage, "site/home/deploy/.aws/credentials"),
    `[default]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`,
  );
  await fsp.writeFile(
    path.join(stage, "site/var/www/wp-config.php"),
    "<?php\ndefine('DB_PASSWORD', 'Zq8#vLw2pR!mT4xK');\n",
  );
  await fsp.writeFile(
    path.join(stage, "auth.log.2"),
    `Dec  1 10:00:00 build sudo: root : COMMAND=/usr/bin/env AWS_SECRET_ACCESS_KEY=${SECRET} AWS_ACCESS_KEY_ID=${KEY_ID} ./deploy\n`,
  );
  await fsp.writeFile(
    path.join(stage, "config.env"),
    "GITHUB_TOKEN=ghp_Zq8vLw2pRmT4xKa9Bc3De5Fg7Hi1Jk2LmNoP\n",
  );
  await fsp.writeFile(path.join(stage, "clean/README.txt"), "Nothing to see here.\n");
  sh("ssh-keygen -q -t ed25519 -N '' -C '' -f keys/id_ed25519", stage);
  sh(`tar -czf ${tree}/root/site-backup.tar.gz -C site .`, stage);
  sh(`gzip -c auth.log.2 > ${tree}/var/log/auth.log.2.gz`, stage);
  sh(`zip -q ${tree}/opt/app/app.zip config.env`, stage);
  // A key two archives down: a tar holding a .tar.zst.
  sh(`tar -cf - -C keys . | zstd -q -c > keys.tar.zst && tar -cf ${tree}/srv/outer.tar keys.tar.zst`, stage);
  sh(
    `tar -czf ${tree}/root/keys.tgz -C keys id_ed25519 && cp keys/id_ed25519 ${tree}/root/id_ed25519`,
    stage,
  );
  // npm's cache: a package's tarball, named by its hash. Its test fixtures are noise and its
  // settings-shaped code is a library's, not the seller's; a token in its code is still found.
  await fsp.writeFile(
    path.join(stage, "npm/package/lib/index.js"),
    'const password = "Zq8#vLw2pR!mT4xK";\nconst token = "ghp_Zq8vLw2pRmT4xKa9Bc3De5Fg7Hi1Jk2LmNoP";\n',
  );
  sh("cp keys/id_ed25519 npm/package/test/fixtures/id_ed25519", stage);
  sh(`tar -czf ${tree}/root/.npm/_cacache/content-v2/sha512/3f/a1/9c0d2e -C npm package`, stage);
  // Stores: a home's backup (members at its top), an /etc backup (members under etc/).
  await fsp.mkdir(path.join(stage, "home/.docker"), { recursive: true });
  await fsp.mkdir(path.join(stage, "etcb/etc/postfix"), { recursive: true });
  await fsp.writeFile(
    path.join(stage, "home/.netrc"),
    "machine git.example.org login deploy password Zq8vLw2pRmT4xK\n",
  );
  await fsp.writeFile(path.join(stage, "home/.pgpass"), "db.internal:5432:app:app:Pw0rd2024xQ\n");
  const auth = Buffer.from("deploy:Zq8vLw2pRmT4xKa9").toString("base64");
  await fsp.writeFile(
    path.join(stage, "home/.docker/config.json"),
    JSON.stringify({ auths: { "registry.example.org": { auth } } }),
  );
  await fsp.writeFile(
    path.join(stage, "etcb/etc/postfix/sasl_passwd"),
    "[smtp.example.org]:587 relay:Zq8vLw2pRmT4xK\n",
  );
  sh(`tar -czf ${tree}/var/backups/home-admin.tgz -C home .`, stage);
  sh(`tar -cJf ${tree}/var/backups/etc.tar.xz -C etcb etc`, stage);
  // Clean archives give nothing; a damaged one is an unknown.
  sh(
    `tar -czf ${tree}/var/backups/clean.tar.gz -C clean . && gzip -c clean/README.txt > ${tree}/var/backups/readme.gz`,
    stage,
  );
  sh(
    `head -c 3000000 /dev/urandom > noise.bin && tar -czf big.tgz clean/README.txt noise.bin && head -c 1500000 big.tgz > ${tree}/srv/cut.tar.gz`,
    stage,
  );
  ext4 = path.join(tmp, "root.ext4");
  execFileSync("mkfs.ext4", ["-q", "-F", "-d", tree, ext4, "64M"], { stdio: "ignore" });
});

const EXPECTED = [
  // Read by its format, as ~/.aws/credentials is in the image (the content pass's hits give way to it).
  "credential-store /root/site-backup.tar.gz!/home/deploy/.aws/credentials:3",
  // A backup of one home: its stores at the archive's top.
  "credential-store /var/backups/home-admin.tgz!/.netrc:1",
  "credential-store /var/backups/home-admin.tgz!/.pgpass:1",
  "credential-store /var/backups/home-admin.tgz!/.docker/config.json:1",
  "credential-in-config /var/backups/etc.tar.xz!/etc/postfix/sasl_passwd:1",
  "aws-credentials /var/log/auth.log.2.gz!/auth.log.2:1",
  "aws-credentials /var/log/auth.log.2.gz!/auth.log.2:1",
  "app-config-password /root/site-backup.tar.gz!/var/www/wp-config.php:2",
  "private-key-in-image /root/keys.tgz!/id_ed25519:1",
  "private-key-in-image /srv/outer.tar!/keys.tar.zst!/id_ed25519:1",
  "secret-tokens /opt/app/app.zip!/config.env:1",
  "secret-tokens /root/.npm/_cacache/content-v2/sha512/3f/a1/9c0d2e!/package/lib/index.js:2",
].sort();

describe("archives inside an image", () => {
  it("fix plans nothing inside an archive: stores and keys there are the seller's to remove", () => {
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(REPO_ROOT, "src/cli/main.ts"),
        "fix",
        tree,
        "--dry-run",
        "--format",
        "json",
      ],
      { encoding: "utf8", cwd: REPO_ROOT, env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" } },
    );
    const out = JSON.parse(r.stdout) as {
      plan: { operations: unknown[]; changes: Array<{ path: string }>; notices: Array<{ path: string }> };
    };
    assert.ok(out.plan.operations.length > 0, r.stdout.slice(0, 400));
    const planned = [...out.plan.changes, ...out.plan.notices].map((c) => c.path);
    assert.ok(planned.includes("/root/id_ed25519"), JSON.stringify(planned));
    assert.deepEqual(
      planned.filter((p) => p.includes("!/")),
      [],
    );
  });

  for (const [label, input, thread] of [
    ["a directory, read on this thread", () => tree, "off"],
    ["an ext4 image, read by the content threads", () => ext4, "always"],
  ] as const) {
    it(`${label}: members' secrets are findings at archive!/member, a damaged archive an unknown`, async () => {
      const r = await scanOf(input(), thread);
      assert.deepEqual(where(r), EXPECTED);
      // The archives' bytes are reported read once they are (by the threads too): all of the plan.
      assert.ok(progress.planned > 1_500_000, `planned ${progress.planned}`);
      assert.equal(progress.read, progress.planned);
      // No fix edits an archive's members; the same key loose in /root is removed by fix.
      const loose = r.findings.find(
        (f) => f.rule === "private-key-in-image" && f.path === "/root/id_ed25519",
      );
      assert.equal(loose?.fixable, true, JSON.stringify(loose));
      assert.equal(r.passed, false);
      // A damaged archive is listed with where it broke, as tar -t would say; what came before is read.
      assert.deepEqual(
        r.unknowns.filter((u) => u.path.startsWith("/srv/cut")).map((u) => u.path),
        ["/srv/cut.tar.gz"],
      );
      assert.match(r.unknowns.find((u) => u.path === "/srv/cut.tar.gz")!.error, /gzip stream/);
    });
  }
});
