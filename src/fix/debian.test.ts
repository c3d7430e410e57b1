import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT } from "../../test/support/trees.js";
import { DirectoryTree } from "../fs/directory.js";
import { Image } from "../fs/image.js";
import { rules } from "../policy/rules/index.js";
import { imageSession, scan } from "../scan/session.js";
import type { JournalEntry } from "./journal.js";
import { DEFAULT_FIX_OPTIONS } from "./operation.js";
import { operations } from "./operations/index.js";
import { planFix, selectOperations } from "./planner.js";
import { copyDebian, digestTree, removeTree, seedViolations } from "./testing.js";

/** A fresh scan session's facts for one image at "/": what the fix planner plans from. */
const factsOf = (image: Image) => imageSession(image).roots[0]!.facts;

const TSX = path.join(REPO_ROOT, "node_modules/tsx/dist/esm/index.mjs");
const CLI = path.join(REPO_ROOT, "src/cli/main.ts");
/** A fixed scan date: reproducible, and one on which Debian 12 is still in regular support. */
const AS_OF = "2026-03-01";

function amigate(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", TSX, CLI, ...args], { cwd, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function scanDir(root: string) {
  const image = new Image(new DirectoryTree(root));
  try {
    return await scan({ input: root, kind: "directory", description: root }, [{ root: "/", image }]);
  } finally {
    await image.close();
  }
}

interface JsonPlan {
  plan: {
    changes: Array<{ operation: string; action: string; path: string; before: string; after: string }>;
  };
}

/** sshd -t on the fixed configuration, with the rootfs's own sshd, in a private mount namespace. */
function sshdTest(root: string, extra: string[] = []): string {
  const keys = mkdtempSync(path.join(os.tmpdir(), "amigate-hostkey-"));
  try {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(keys, "k")]);
    const script = [
      `mount -t tmpfs tmpfs ${root}/run`,
      `mkdir -p ${root}/run/sshd ${root}/run/k`,
      `mount --bind ${keys} ${root}/run/k`,
      `chroot ${root} /usr/sbin/sshd -t -h /run/k/k`,
      `chroot ${root} /usr/sbin/sshd -T -h /run/k/k ${extra.join(" ")}`,
    ].join(" && ");
    return execFileSync("unshare", ["-m", "sh", "-c", script], { encoding: "utf8" });
  } finally {
    rmSync(keys, { recursive: true, force: true });
  }
}

describe("amigate fix on a copy of the Debian rootfs with every violation seeded", () => {
  let root: string;
  let work: string;
  let beforeDigests: Map<string, string>;
  let dryRun: JsonPlan;
  let journal: JournalEntry[];
  let applyRun: ReturnType<typeof amigate>;
  let seededFindings: Awaited<ReturnType<typeof scanDir>>["findings"];
  let afterDryRun: Map<string, string>;

  before(async () => {
    root = copyDebian();
    seedViolations(root);
    execFileSync("setfattr", ["-n", "user.amigate-test", "-v", "kept", path.join(root, "etc/shadow")]);
    work = mkdtempSync(path.join(os.tmpdir(), "amigate-fix-cwd-"));
    seededFindings = (await scanDir(root)).findings;
    beforeDigests = digestTree(root);
    const dry = amigate(["fix", root, "--format", "json", "--as-of", AS_OF], work);
    assert.equal(dry.status, 0, dry.stderr);
    dryRun = JSON.parse(dry.stdout) as JsonPlan;
    afterDryRun = digestTree(root);
    applyRun = amigate(
      ["fix", root, "--yes", "--as-of", AS_OF, "--journal", path.join(work, "journal.jsonl")],
      work,
    );
    journal = readFileSync(path.join(work, "journal.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as JournalEntry);
  });
  after(() => {
    removeTree(root);
    rmSync(work, { recursive: true, force: true });
  });

  it("the seeded tree fails the scan with findings of every fixable kind", () => {
    // Guard: the seeding must really produce the findings the fix then removes.
    const fixes = new Set(seededFindings.map((f) => f.fix).filter(Boolean));
    const seededKinds = [
      "lock-root-password",
      "lock-passwords",
      "remove-passwd-backups",
      "sshd-password-auth",
      "sshd-root-login",
      "cloud-init-ssh",
    ];
    // Rules for histories and keys (the secrets inspectors) are checked too once they are registered.
    const registered = new Set(rules.map((r) => r.fix));
    for (const id of ["histories", "ssh-authorized-keys", "ssh-host-keys", "private-keys"])
      if (registered.has(id)) seededKinds.push(id);
    for (const id of seededKinds) assert.ok(fixes.has(id), `no finding for ${id}`);
  });

  it("the dry run changed nothing and the real run applied exactly its plan (journal = plan)", () => {
    assert.ok(dryRun.plan.changes.length > 30, `only ${dryRun.plan.changes.length} changes planned`);
    assert.deepEqual(afterDryRun, beforeDigests, "the dry run changed files");
    assert.equal(applyRun.status, 0, applyRun.stdout + applyRun.stderr);
    assert.deepEqual(
      journal.map((j) => ({
        operation: j.operation,
        action: j.action,
        path: j.path,
        before: j.before,
        after: j.after,
      })),
      dryRun.plan.changes.map((c) => ({
        operation: c.operation,
        action: c.action,
        path: c.path,
        before: c.before,
        after: c.after,
      })),
    );
    assert.ok(journal.every((j) => j.status === "applied"));
  });

  it("the re-scan reports no finding that has a fix operation", async () => {
    const result = await scanDir(root);
    const ids = new Set(operations.map((o) => o.id));
    assert.deepEqual(
      result.findings.filter((f) => f.fix && ids.has(f.fix)),
      [],
    );
    assert.match(applyRun.stdout, /Re-scan after fix: no findings/);
  });

  it("files outside the changed set are byte-identical, and changed files match the journal", () => {
    const afterDigests = digestTree(root);
    const changed = new Set(journal.map((j) => j.path.slice(1)));
    for (const [rel, digest] of beforeDigests) {
      if (changed.has(rel) || [...changed].some((c) => rel.startsWith(`${c}/`))) continue;
      // Directories that lost an entry keep their mode/owner; only their listing changed.
      assert.equal(afterDigests.get(rel), digest, `${rel} changed but is not in the plan`);
    }
    const last = new Map(journal.map((j) => [j.path, j]));
    for (const j of last.values()) {
      const now = afterDigests.get(j.path.slice(1));
      if (j.after === "absent") assert.equal(now, undefined, `${j.path} still exists`);
      else if (!j.path.startsWith("/var/lib/cloud")) assert.equal(now?.split(":")[0], j.after, j.path);
    }
  });

  it("edited files keep owner, mode and extended attributes", () => {
    const st = statSync(path.join(root, "etc/shadow"));
    assert.equal(st.mode & 0o7777, 0o640);
    assert.equal(st.uid, 0);
    const shadowGid = Number(
      readFileSync(path.join(root, "etc/group"), "utf8").match(/^shadow:x:(\d+):/m)![1],
    );
    assert.equal(st.gid, shadowGid);
    const xattr = execFileSync(
      "getfattr",
      ["-n", "user.amigate-test", "--only-values", path.join(root, "etc/shadow")],
      { encoding: "utf8" },
    );
    assert.equal(xattr, "kept");
    assert.equal(statSync(path.join(root, "etc/machine-id")).size, 0, "machine-id emptied");
    assert.equal(
      beforeDigests.get("etc/machine-id")?.split(":")[1],
      String(statSync(path.join(root, "etc/machine-id")).mode),
      "machine-id kept with its mode",
    );
  });

  it("the system still works: sshd -t, passwd -S root shows L, visudo -c", () => {
    const effective = sshdTest(root, ["-C", "user=backup,host=h,addr=192.0.2.1"]);
    assert.match(effective, /^passwordauthentication no$/m);
    assert.match(effective, /^permitrootlogin without-password$/m); // sshd -T prints prohibit-password by its old name
    assert.match(effective, /^kbdinteractiveauthentication no$/m);
    assert.match(execFileSync("chroot", [root, "passwd", "-S", "root"], { encoding: "utf8" }), /^root L /);
    assert.match(execFileSync("chroot", [root, "passwd", "-S", "admin"], { encoding: "utf8" }), /^admin L /);
    execFileSync("chroot", [root, "visudo", "-c"], { stdio: "ignore" });
  });

  it("a second plan is empty (operations are idempotent)", async () => {
    const image = new Image(new DirectoryTree(root));
    try {
      const plan = await planFix(factsOf(image), DEFAULT_FIX_OPTIONS, selectOperations({}));
      assert.deepEqual(
        plan.changes.map((c) => `${c.action} ${c.path}`),
        [],
      );
    } finally {
      await image.close();
    }
  });

  it("--root-login no rewrites the winning line; an unset PasswordAuthentication gets a drop-in read first", async () => {
    writeFileSync(path.join(root, "etc/ssh/sshd_config.d/60-amigate-baseline.conf"), "");
    const image = new Image(new DirectoryTree(root));
    try {
      const plan = await planFix(
        factsOf(image),
        { ...DEFAULT_FIX_OPTIONS, rootLogin: "no" },
        selectOperations({ only: ["sshd-root-login", "sshd-password-auth"] }),
      );
      const sshdConfig = readFileSync(path.join(root, "etc/ssh/sshd_config"), "utf8").split("\n");
      const rootLogin = plan.changes.find((c) => c.operation === "sshd-root-login");
      assert.equal(rootLogin?.action, "replace");
      assert.ok(rootLogin?.action === "replace" && rootLogin.edits?.[0]?.new === "PermitRootLogin no");
      assert.ok(sshdConfig.includes("PermitRootLogin prohibit-password"));
      // PasswordAuthentication now unset: a drop-in read first is created.
      const dropIn = plan.changes.find((c) => c.operation === "sshd-password-auth");
      assert.equal(dropIn?.path, "/etc/ssh/sshd_config.d/00-amigate.conf");
      assert.equal(dropIn?.action, "create");
    } finally {
      await image.close();
    }
  });
});
