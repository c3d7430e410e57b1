import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import path from "node:path";
import { before, describe, it } from "node:test";
import { debianRootfsPath, REPO_ROOT } from "../../../test/support/trees.js";
import { DirectoryTree } from "../../fs/directory.js";
import type { FileTree } from "../../fs/filetree.js";
import { Image } from "../../fs/image.js";
import { TarTree } from "./tree.js";

interface Seen {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtimeSec: number;
  size?: number;
  target?: string;
  sha256?: string;
}

/** Every path below "/" with what a scan would see of it, plus the hard-link groups. */
async function snapshot(tree: FileTree) {
  const image = new Image(tree);
  const entries = new Map<string, Seen>();
  const byIno = new Map<number, string[]>();
  for await (const { path: p, stat } of image.walk()) {
    // A tree's readdirStats gives what lstat gives.
    if (tree.readdirStats) assert.deepEqual(stat, await tree.lstat(p), p);
    const seen: Seen = {
      type: stat.type,
      mode: stat.mode,
      uid: stat.uid,
      gid: stat.gid,
      mtimeSec: Math.floor(stat.mtimeMs / 1000),
    };
    if (stat.type === "file") {
      seen.size = stat.size;
      const hash = createHash("sha256");
      for await (const chunk of tree.createReadStream(p)) hash.update(chunk as Buffer);
      seen.sha256 = hash.digest("hex");
      if (stat.ino !== undefined) byIno.set(stat.ino, [...(byIno.get(stat.ino) ?? []), p]);
    }
    if (stat.type === "symlink") {
      seen.size = stat.size;
      seen.target = await tree.readlink(p);
    }
    entries.set(p, seen);
  }
  const links = [...byIno.values()]
    .filter((g) => g.length > 1)
    .map((g) => g.sort().join(" = "))
    .sort();
  return { entries, links };
}

describe("TarTree over GNU tar archives of the Debian rootfs matches the directory", {
  timeout: 600_000,
}, () => {
  let archives: string[] = [];
  let expected: Awaited<ReturnType<typeof snapshot>>;

  before(async () => {
    const rootfs = debianRootfsPath();
    const out = execFileSync("bash", [path.join(REPO_ROOT, "fixtures/debian-archives.sh")], {
      encoding: "utf8",
      env: { ...process.env, AMIGATE_DEBIAN_ROOTFS: rootfs },
      stdio: ["ignore", "pipe", "inherit"],
    });
    archives = out.trim().split("\n");
    expected = await snapshot(new DirectoryTree(rootfs));
  });

  it("the rootfs is a real one (thousands of files, hard links, symlinks)", () => {
    assert.equal(archives.length, 4);
    assert.ok(expected.entries.size > 5000, `${expected.entries.size} entries`);
    assert.equal(expected.entries.get("/etc/passwd")?.type, "file");
    assert.equal(expected.entries.get("/bin")?.type, "symlink");
    assert.ok(expected.links.length > 0, "hard-linked files (perl, gzip tools)");
  });

  for (const ext of ["tar", "tar.gz", "tar.xz", "tar.zst"]) {
    it(`.${ext}: same paths, types, modes, owners, sizes, link targets, hard links and SHA-256`, async () => {
      const tree = await TarTree.open(archives.find((a) => a.endsWith(`.${ext}`))!);
      try {
        assert.deepEqual(tree.suspiciousEntries, []);
        assert.ok(tree.readdirStats, "walked by readdirStats");
        const actual = await snapshot(tree);
        const missing = [...expected.entries.keys()].filter((p) => !actual.entries.has(p));
        const extra = [...actual.entries.keys()].filter((p) => !expected.entries.has(p));
        assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
        for (const [p, seen] of expected.entries) assert.deepEqual(actual.entries.get(p), seen, p);
        assert.deepEqual(actual.links, expected.links);
      } finally {
        await tree.close();
      }
    });
  }
});
