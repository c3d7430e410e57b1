import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { countingTree } from "../cli/progress.js";
import { loadArchive } from "../fix/apply/archive.js";
import { mountedTree } from "./mounted.js";
import { OverlayTree } from "./overlay.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-wrappers-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a tree's known digests (FileTree.sha256) pass through every wrapper, for the paths it leaves as they are", async () => {
  mkdirSync(path.join(dir, "root/etc"), { recursive: true });
  writeFileSync(path.join(dir, "root/etc/hostname"), "box\n");
  writeFileSync(path.join(dir, "root/etc/motd"), "hello\n");
  execFileSync("tar", ["-cf", path.join(dir, "root.tar"), "-C", path.join(dir, "root"), "."]);
  const { tree: archive } = await loadArchive(path.join(dir, "root.tar"));
  const digest = createHash("sha256").update("box\n").digest("hex");
  assert.equal(archive.sha256?.("/etc/hostname"), digest);
  const overlay = new OverlayTree(archive, { "/etc/motd": "changed\n" });
  assert.equal(overlay.sha256("/etc/hostname"), digest);
  assert.equal(overlay.sha256("/etc/motd"), undefined, "a changed path has no known digest");
  assert.equal(
    mountedTree(overlay, [{ mountPoint: "/srv", tree: archive }]).sha256?.("/srv/etc/hostname"),
    digest,
  );
  assert.equal(countingTree(overlay, () => {}).sha256?.("/etc/hostname"), digest);
});
