import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT } from "../../test/support/trees.js";

const TSX = path.join(REPO_ROOT, "node_modules/tsx/dist/esm/index.mjs");
const CLI = path.join(REPO_ROOT, "src/cli/main.ts");

function amigate(args: string[], cwd: string) {
  return spawnSync(process.execPath, ["--import", TSX, CLI, ...args], { cwd, encoding: "utf8" });
}

describe("amigate fix (CLI)", () => {
  let dir: string;
  let root: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "amigate-fix-cli-"));
    root = path.join(dir, "root");
    mkdirSync(path.join(root, "etc"), { recursive: true });
    mkdirSync(path.join(root, "root"), { recursive: true });
    // toor: a second uid 0 account — a finding no operation fixes.
    writeFileSync(
      path.join(root, "etc/passwd"),
      "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/bash\n",
    );
    writeFileSync(path.join(root, "etc/shadow"), "root:!:20000::::::\ntoor:*:20000::::::\n");
    writeFileSync(path.join(root, "root/.bash_history"), "history\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("without --yes (and without a TTY) it is a dry run: nothing changes, exit 0", () => {
    const r = amigate(["fix", root], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /truncate \/root\/\.bash_history/);
    assert.match(r.stdout, /Dry run: nothing was changed/);
    assert.equal(readFileSync(path.join(root, "root/.bash_history"), "utf8"), "history\n");
  });

  it("with --yes: applies, re-scans, explains what only the user can change, exit 1", () => {
    const r = amigate(["fix", root, "--yes", "--journal", path.join(dir, "j.jsonl")], dir);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(readFileSync(path.join(root, "root/.bash_history"), "utf8"), "");
    assert.match(r.stdout, /extra-uid0-account[^\n]*\n\s+only you can change that: /);
    assert.equal(readFileSync(path.join(dir, "j.jsonl"), "utf8").trim().split("\n").length, 1);
  });

  it("errors exit 2: an unknown operation, a journal inside the root, an archive without -o", () => {
    assert.equal(amigate(["fix", root, "--only", "nope"], dir).status, 2);
    const inside = amigate(["fix", root, "--yes", "--journal", path.join(root, "j.jsonl")], dir);
    assert.equal(inside.status, 2);
    assert.match(inside.stderr, /inside the image root/);
    writeFileSync(path.join(dir, "x.tar"), Buffer.alloc(1024));
    assert.equal(amigate(["fix", path.join(dir, "x.tar"), "--yes"], dir).status, 2);
  });

  it("--list-operations prints the registry", () => {
    const r = amigate(["fix", "--list-operations"], dir);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^lock-root-password +\*/m);
  });
});

describe("amigate fix on a disk image", () => {
  let dir: string;
  let disk: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "amigate-fix-disk-"));
    const tree = path.join(dir, "tree");
    for (const d of ["etc", "root"]) mkdirSync(path.join(tree, d), { recursive: true });
    writeFileSync(path.join(tree, "etc/os-release"), 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian 12"\n');
    writeFileSync(path.join(tree, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    writeFileSync(path.join(tree, "etc/shadow"), "root:!:20000::::::\n");
    writeFileSync(path.join(tree, "root/.bash_history"), "aws configure\n");
    // A bare ext4 filesystem: a disk image to `amigate scan`, told from its bytes.
    disk = path.join(dir, "disk.raw");
    execFileSync("truncate", ["-s", "8M", disk]);
    execFileSync("mkfs.ext4", ["-q", "-F", "-E", "root_owner=0:0", "-d", tree, disk]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("plans from the scan's own session: the dry run reports exactly the findings `scan` reports", () => {
    const asOf = ["--as-of", "2026-03-01"];
    const scanned = amigate(["scan", disk, "--format", "json", ...asOf], dir);
    assert.equal(scanned.status, 1, scanned.stderr);
    const report = JSON.parse(scanned.stdout) as { findings: Array<{ rule: string }> };
    assert.ok(report.findings.some((f) => f.rule === "shell-history"));
    const r = amigate(["fix", disk, "--format", "json", ...asOf], dir);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      plan: { os: string; changes: Array<{ action: string; path: string }> };
      rescan: { target: { kind: string }; findings: unknown[] };
    };
    assert.equal(out.plan.os, "linux");
    assert.ok(out.plan.changes.some((c) => c.action === "truncate" && c.path === "/root/.bash_history"));
    assert.equal(out.rescan.target.kind, "disk");
    assert.deepEqual(out.rescan.findings, report.findings);
  });

  it("--yes is refused (exit 2): a disk image is only planned, never changed", () => {
    const before = readFileSync(disk);
    const r = amigate(["fix", disk, "--yes", "--journal", path.join(dir, "j.jsonl")], dir);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /a disk image is only planned, never changed/);
    assert.ok(readFileSync(disk).equals(before));
  });
});
