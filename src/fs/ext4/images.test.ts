import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { ext4ImagesPath, openExtImage } from "../../../test/support/ext4-images.js";
import { debianRootfsPath } from "../../../test/support/trees.js";
import { compareImages } from "../../../test/support/walk-compare.js";
import { isFsError } from "../../io/errors.js";
import { DirectoryTree } from "../directory.js";
import { Image } from "../image.js";

const images = ext4ImagesPath();
const img = (name: string) => path.join(images, name);

/** What debugfs (e2fsprogs, the reference implementation) says about a path: proves the fixture covers a case. */
function debugfs(image: string, request: string): string {
  return execFileSync("debugfs", ["-R", request, image], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
}

async function sameAsDirectory(image: string, dir: string, hash: (path: string) => boolean = () => true) {
  const ext = await openExtImage(image);
  try {
    const { differences, summary } = await compareImages(new Image(new DirectoryTree(dir)), ext, {
      ignore: ["/lost+found", "/.done", "/.amigate-fixture"],
      hash,
    });
    assert.deepEqual(differences, []);
    return summary;
  } finally {
    await ext.close();
  }
}

describe("ext images equal the directories mkfs -d built them from", () => {
  const debianLayouts: Array<[string, string]> = [
    ["debian-ext4.img", "ext4 default: extents, 64bit, flex_bg, metadata_csum, htree"],
    ["debian-ext4-32bit.img", "ext4 without 64bit (32-byte group descriptors)"],
    ["debian-ext4-1k.img", "ext4 with 1 KiB blocks"],
    ["debian-ext4-metabg.img", "ext4 with meta_bg (group descriptors spread over 3 meta groups)"],
    ["debian-ext3.img", "ext3: indirect blocks, htree, journal"],
    ["debian-ext2.img", "ext2"],
  ];
  for (const [name, what] of debianLayouts) {
    it(`Debian rootfs as ${what}`, async () => {
      const summary = await sameAsDirectory(img(name), debianRootfsPath());
      assert.ok(summary.files > 5000, `hashed ${summary.files} files`);
    });
  }
  it("hand-made tree (sparse 5 GiB, 5000 entries, links, FIFO, modes) as ext4", async () => {
    const summary = await sameAsDirectory(img("hand-ext4.img"), path.join(images, "hand"));
    assert.ok(summary.bytesHashed > 5 * 2 ** 30);
  });
  // Hashing 5 GiB of zeros per layout costs half a minute of a shared CPU; the indirect-block
  // layouts hash everything else, and the range test below reads the 5 GiB file's data regions.
  for (const name of ["hand-ext3.img", "hand-ext2-1k.img"]) {
    it(`hand-made tree as ${name} (all but /sparse5g hashed)`, async () => {
      const summary = await sameAsDirectory(img(name), path.join(images, "hand"), (p) => p !== "/sparse5g");
      assert.ok(summary.files > 5000);
    });
  }
  it("inline_data image (tiny files and directories inside their inodes)", async () => {
    const out = debugfs(img("inline.img"), "stat /a/tiny");
    assert.match(out, /Size of inline data: \d+/);
    assert.match(debugfs(img("inline.img"), "stat /a/b/hundred"), /Size of inline data: 100/);

    await sameAsDirectory(img("inline.img"), path.join(images, "inline"));
  });
});

describe("inline directory continued in the system.data xattr (written by the kernel)", () => {
  const file = img("inline-kernel.img");
  it("lists all six entries and reads the inline file", {
    skip: !existsSync(file) && "needs a loop mount",
  }, async () => {
    const stat = debugfs(file, "stat /d");
    assert.match(stat, /Flags: 0x10000000/);
    assert.ok(Number(/Size of inline data: (\d+)/.exec(stat)![1]) > 60, stat);
    const ext = await openExtImage(file);
    try {
      const names = (await ext.readdir("/d")).map((e) => e.name).sort();
      assert.deepEqual(
        names,
        [1, 2, 3, 4, 5, 6].map((i) => `file-${i}`),
      );
      for (const i of [1, 6]) assert.equal((await ext.readFile(`/d/file-${i}`)).toString(), String(i));
      assert.equal((await ext.readFile("/tiny")).toString(), "tiny");
    } finally {
      await ext.close();
    }
  });
});

describe("ext4 reader on the hand-made tree", () => {
  it("reads each inode shape as the host has it", async () => {
    const ext = await openExtImage(img("hand-ext4.img"));
    try {
      // The fixture really has these shapes (per debugfs), and the reader gets them right.
      assert.match(debugfs(img("hand-ext4.img"), "stat /big"), /Flags: 0x81000/); // htree (INDEX_FL)
      assert.match(debugfs(img("hand-ext3.img"), "stat /big"), /Flags: 0x1000/);
      assert.match(debugfs(img("hand-ext4.img"), "ex /fragmented"), /^ 1\/ 1/m); // extent tree depth 1
      assert.match(debugfs(img("hand-ext4.img"), "ex /prealloc"), /Uninit/);
      assert.equal((await ext.readdir("/big")).length, 5000);
      assert.equal((await ext.lstat("/sparse5g")).size, 5 * 2 ** 30);
      assert.equal(await ext.readlink("/dir/short-link"), "hello.txt");
      assert.ok((await ext.readlink("/dir/long-link")).length > 60);
      assert.equal((await ext.lstat("/dir/hard-link")).ino, (await ext.lstat("/dir/hello.txt")).ino);
      assert.equal((await ext.lstat("/dir/hello.txt")).nlink, 2);
      assert.equal((await ext.lstat("/modes/fifo")).type, "fifo");
      assert.equal((await ext.lstat("/modes/setuid")).mode, 0o4755);
      assert.equal((await ext.lstat("/modes/sticky")).mode, 0o1777);
      const high = await ext.lstat("/modes/highid");
      assert.deepEqual([high.uid, high.gid], [100000, 200000]);
      await assert.rejects(ext.readFile("/dir/random.bin", 1000), (e) => isFsError(e, "EFBIG"));
      await assert.rejects(ext.readFile("/dir", 1000), (e) => isFsError(e, "EISDIR"));
      await assert.rejects(ext.lstat("/dir/nope"), (e) => isFsError(e, "ENOENT"));
      await assert.rejects(ext.lstat("/dir/hello.txt/x"), (e) => isFsError(e, "ENOTDIR"));
    } finally {
      await ext.close();
    }
  });

  const ranges: Array<[number, number]> = [
    [0, 10], // direct blocks
    [4 * 2 ** 30 - 40000, 4 * 2 ** 30 + 60000], // across 4 GiB: double then triple indirect with 4 KiB blocks
    [5 * 2 ** 30 - 5000, 5 * 2 ** 30], // the last bytes
  ];
  for (const [start, end] of ranges)
    it(`streams /sparse5g bytes [${start}, ${end}) in every layout without reading the rest`, async () => {
      const host = await fsp.open(path.join(images, "hand/sparse5g"));
      const want = Buffer.alloc(end - start);
      await host.read(want, 0, want.length, start);
      await host.close();
      for (const name of ["hand-ext4.img", "hand-ext3.img", "hand-ext2-1k.img"]) {
        const ext = await openExtImage(img(name));
        try {
          const parts: Buffer[] = [];
          for await (const c of await ext.createReadStream("/sparse5g", { start, end }))
            parts.push(c as Buffer);
          const got = Buffer.concat(parts);
          assert.equal(
            createHash("sha256").update(got).digest("hex"),
            createHash("sha256").update(want).digest("hex"),
            name,
          );
          assert.ok(got.some((b) => b !== 0));
        } finally {
          await ext.close();
        }
      }
    });
});
