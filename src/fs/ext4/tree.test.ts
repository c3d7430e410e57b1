import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { ext4ImagesPath } from "../../../test/support/ext4-images.js";
import { walkAll, withoutReaddirStats } from "../../../test/support/walk-compare.js";
import { openFileByteSource } from "../../io/file.js";
import type { FileTree } from "../filetree.js";
import { Image } from "../image.js";
import { MountedTree } from "../mounted.js";
import { joinImagePath } from "../path.js";
import { Ext4Tree, openExt4 } from "./index.js";

describe("Ext4Tree.readdirStats", () => {
  it("walks to the same entries and stats as lstat by path", async () => {
    const source = await openFileByteSource(path.join(ext4ImagesPath(), "debian-ext4.img"));
    try {
      const tree = await openExt4(source);
      const byStats = await walkAll(new Image(tree));
      const byPath = await walkAll(new Image(withoutReaddirStats(tree)));
      assert.ok(byStats.length > 5000, `${byStats.length} entries`);
      assert.deepEqual(byStats, byPath);
    } finally {
      await source.close();
    }
  });

  it("lists a directory's entries with their lstat, and refuses a non-directory", async () => {
    const source = await openFileByteSource(path.join(ext4ImagesPath(), "debian-ext4.img"));
    try {
      const tree = await openExt4(source);
      const listed = await tree.readdirStats!("/etc");
      assert.deepEqual(
        listed.map((e) => e.name).sort(),
        (await tree.readdir("/etc")).map((e) => e.name).sort(),
      );
      for (const e of listed) {
        assert.ok("stat" in e, e.name);
        assert.deepEqual(e.stat, await tree.lstat(joinImagePath("/etc", e.name)));
      }
      await assert.rejects(tree.readdirStats!("/etc/passwd"), { code: "ENOTDIR" });
    } finally {
      await source.close();
    }
  });
});

describe("Ext4Tree.inode", () => {
  it("gives an inode at once once its table block is read, the same inode as a first read", async () => {
    const source = await openFileByteSource(path.join(ext4ImagesPath(), "debian-ext4.img"));
    try {
      const tree = await openExt4(source);
      assert.ok(tree instanceof Ext4Tree);
      // The first inodes of the second group: one inode-table block, not read by opening.
      const base = tree.vol.sb.inodesPerGroup;
      const first = tree.inode(base + 1, 0);
      assert.ok(first instanceof Promise, "nothing read yet: a read");
      const inode = await first;
      const neighbour = tree.inode(base + 2, 0);
      assert.ok(!(neighbour instanceof Promise), "in a table block read: at once");
      assert.ok(!(tree.inode(base + 1, 0) instanceof Promise), "cached: at once");
      const fresh = await openExt4(source);
      assert.ok(fresh instanceof Ext4Tree);
      assert.deepEqual(inode, await fresh.inode(base + 1, 0));
      assert.deepEqual(neighbour, await fresh.inode(base + 2, 0));
      assert.deepEqual(await tree.inode(2, 0), await fresh.inode(2, 0));
      // A number out of range is still refused where it was found.
      assert.throws(() => tree.inode(0, 4096), /inode number.*4096|4096.*inode number/s);
    } finally {
      await source.close();
    }
  });
});

describe("Ext4Tree.hostExtents", () => {
  it("maps a file at once when its inode is at hand, to the runs a fresh tree gives", async () => {
    const source = await openFileByteSource(path.join(ext4ImagesPath(), "debian-ext4.img"));
    try {
      const tree = await openExt4(source);
      const fresh = await openExt4(source);
      assert.ok(tree instanceof Ext4Tree && fresh instanceof Ext4Tree);
      const { ino } = await tree.lstat("/etc/passwd");
      const first = tree.hostExtents("/etc/passwd", ino);
      assert.ok(!(first instanceof Promise), "the walk's lstat read the inode: at once");
      assert.ok(first && first.size > 0 && first.runs.length >= 2);
      assert.deepEqual(first, await fresh.hostExtents("/etc/passwd"));
      // A directory's number is refused as its path would be, at once too.
      const dir = await tree.lstat("/etc");
      assert.throws(() => tree.hostExtents("/etc", dir.ino), { code: "EISDIR" });
    } finally {
      await source.close();
    }
  });
});

describe("MountedTree.readdirStats", () => {
  it("walks an ext4 root with filesystems mounted in it to the same entries as lstat by path", async () => {
    const root = await openFileByteSource(path.join(ext4ImagesPath(), "debian-ext4.img"));
    const boot = await openFileByteSource(path.join(ext4ImagesPath(), "debian-ext4.img"));
    try {
      // An EFI partition at /boot/efi (absent from the root filesystem), and a second ext4
      // filesystem over /usr/share/doc, whose inode numbers repeat the root's.
      const efi = await openExt4(boot);
      const trees = async (strip: (t: FileTree) => FileTree) =>
        new MountedTree([
          { mountPoint: "/", tree: strip(await openExt4(root)) },
          { mountPoint: "/boot/efi", tree: strip(efi) },
          { mountPoint: "/usr/share/doc", tree: strip(efi) },
        ]);
      const same = (t: FileTree) => t;
      const mounted = await trees(same);
      assert.ok(mounted.readdirStats, "a mounted tree lists with stats");
      const byStats = await walkAll(new Image(mounted));
      const byPath = await walkAll(new Image(withoutReaddirStats(await trees(same))));
      // And over filesystems without readdirStats of their own: its fallback lstats by path.
      const overPlain = await walkAll(new Image(await trees(withoutReaddirStats)));
      assert.ok(byStats.length > 10_000, `${byStats.length} entries`);
      assert.deepEqual(byStats, byPath);
      assert.deepEqual(overPlain, byPath);
      const efiRoot = byStats.find((e) => e.path === "/boot/efi");
      assert.equal(efiRoot?.stat.type, "directory");
      assert.equal(efiRoot?.stat.ino, 2, "the mount point is the mounted filesystem's root");
      assert.ok(byStats.some((e) => e.path === "/boot/efi/etc/passwd"));
      assert.notEqual(
        byStats.find((e) => e.path === "/usr/share/doc/etc")?.stat.dev,
        byStats.find((e) => e.path === "/etc")?.stat.dev,
      );
    } finally {
      await root.close();
      await boot.close();
    }
  });
});
