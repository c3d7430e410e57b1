import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { memoryImage } from "../../test/support/trees.js";
import { DirectoryTree } from "../fs/directory.js";
import { Image } from "../fs/image.js";
import { FsError } from "../io/errors.js";
import { FactStore } from "./context.js";
import { MAX_UNREAD_GAPS } from "./coverage.js";
import { inspectorsByName } from "./registry.js";

// Assembled at run time so the source holds no token-shaped literal.
const GITHUB = ["ghp", "_", "Q7mZ2kT9vLw4nR8pYc3bHs5dJf1gK0aE", "a1B2"].join("");

/** A small root whose listed directories fail to list with `code`. */
function rootWith(failing: Record<string, FsError["code"]>): FactStore {
  const files: Record<string, string> = { "/etc/os-release": "ID=debian\n" };
  for (const dir of Object.keys(failing)) files[`${dir}/file`] = "x\n";
  const tree = memoryImage(files).tree;
  const readdir = tree.readdir.bind(tree);
  tree.readdir = async (path) => {
    const code = failing[path];
    if (code) throw new FsError(code, path, "as the test says");
    return readdir(path);
  };
  tree.readdirStats = undefined;
  return new FactStore(new Image(tree), inspectorsByName);
}

describe("coverage: what the walk could not list", () => {
  it("a directory that vanished under a live walk (ENOENT) is no gap; one that failed to list is", async () => {
    const store = rootWith({ "/var/gone": "ENOENT", "/srv/broken": "EIO" });
    const { gaps } = await store.get("coverage");
    assert.deepEqual(gaps, [
      { path: "/srv/broken", reason: "/srv/broken could not be read: EIO: /srv/broken (as the test says)" },
    ]);
    // Both are still among the unknowns.
    assert.deepEqual(store.unknowns.map((u) => u.path).sort(), ["/srv/broken", "/var/gone"]);
  });

  it(`past ${MAX_UNREAD_GAPS} paths, one more gap counts the rest`, async () => {
    const failing: Record<string, FsError["code"]> = {};
    for (let i = 0; i < MAX_UNREAD_GAPS + 7; i++) failing[`/data/d${String(i).padStart(3, "0")}`] = "EIO";
    const { gaps } = await rootWith(failing).get("coverage");
    assert.equal(gaps.length, MAX_UNREAD_GAPS + 1);
    assert.equal(gaps[0]!.path, "/data/d000");
    assert.deepEqual(gaps.at(-1), {
      reason: "7 more directories and files could not be read (each is among the unknowns)",
    });
  });
});

describe("coverage: a live tree changing under the scan", () => {
  it("a file grown past the whole-read size since the walk is read in pieces, not a gap", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-live-"));
    try {
      mkdirSync(path.join(dir, "etc"));
      mkdirSync(path.join(dir, "var"));
      writeFileSync(path.join(dir, "etc/os-release"), "ID=debian\n");
      const log = path.join(dir, "var/app.log");
      writeFileSync(log, "started\n");
      const tree = new DirectoryTree(dir);
      const store = new FactStore(new Image(tree), inspectorsByName, { contentThread: "off" });
      // The log is written on once the walk has listed it (as a service's log is, on a build instance).
      await (await store.get("walk")).index;
      appendFileSync(log, `${"INFO served in 12 ms\n".repeat(20_000)}token ${GITHUB}\n`);
      const content = await store.get("content");
      assert.deepEqual(
        content.secrets.map((m) => `${m.path}:${m.line}`),
        ["/var/app.log:20002"],
      );
      assert.deepEqual((await store.get("coverage")).gaps, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
