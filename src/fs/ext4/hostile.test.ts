import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ext4ImagesPath, openExtImage } from "../../../test/support/ext4-images.js";
import { FsError, ImageFormatError, isFsError } from "../../io/errors.js";
import { bufferByteSource } from "../../io/file.js";
import { Image } from "../image.js";
import { isExt, openExt4 } from "./index.js";

const images = ext4ImagesPath();
const img = (name: string) => path.join(images, name);
/** Each case must end (with its typed error) well inside this bound. */
const BOUND = { timeout: 10_000 };

function formatError(structure: RegExp, expected: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ImageFormatError, `ImageFormatError, got ${String(e)}`);
    assert.match(e.structure, structure);
    assert.match(e.expected, expected);
    assert.ok(e.offset >= 0);
    return true;
  };
}

/** Walks everything and reads every file; returns the errors seen, which must all be typed. */
async function walkAll(image: Image): Promise<unknown[]> {
  const errors: unknown[] = [];
  for await (const { path: p, stat } of image.walk("/", { onError: (_p, e) => errors.push(e) })) {
    if (stat.type !== "file") continue;
    try {
      await image.readFile(p, 1 << 20);
    } catch (e) {
      errors.push(e);
    }
  }
  for (const e of errors)
    assert.ok(e instanceof ImageFormatError || e instanceof FsError, `typed error, got ${String(e)}`);
  return errors;
}

/** The image's own mapping of a file to the image file's bytes (Ext4Tree.hostExtents). */
/** The tree's hostExtents as a promise: a tree may answer, or throw, at once. */
async function hostExtents(image: Image, file: string) {
  return image.tree.hostExtents!(file);
}

async function withImage(name: string, body: (image: Image) => Promise<void>) {
  const image = await openExtImage(img(name));
  try {
    await body(image);
  } finally {
    await image.close();
  }
}

describe("ext4 reader on hostile images", () => {
  it("the undamaged base reads cleanly (the damage below is what fails)", BOUND, () =>
    withImage("hostile-base.img", async (image) => {
      assert.deepEqual(await walkAll(image), []);
      assert.equal((await image.readFile("/a/file")).length, 10000);
    }),
  );

  it("a directory entry naming its own directory, and one naming an ancestor: the walk ends", BOUND, () =>
    withImage("hostile-cycle.img", async (image) => {
      const errors = await walkAll(image);
      assert.equal(errors.filter((e) => isFsError(e, "ELOOP")).length, 2);
      assert.equal((await image.lstat("/a/self/self/b/up/b/leaf")).size, 1);
    }),
  );

  it("an inode claiming 2^63 bytes", BOUND, () =>
    withImage("hostile-absurd-size.img", async (image) => {
      await assert.rejects(image.readFile("/a/file", 1 << 30), formatError(/inode 16/, /i_size ≤/));
      await assert.rejects(hostExtents(image, "/a/file"), formatError(/inode 16/, /i_size ≤/));
      await assert.rejects(
        async () => {
          for await (const _ of await image.createReadStream("/a/file")) break;
        },
        formatError(/inode 16/, /i_size ≤/),
      );
    }),
  );

  it("an extent pointing past the end of the filesystem", BOUND, () =>
    withImage("hostile-extent-past-end.img", async (image) => {
      await assert.rejects(image.readFile("/a/file"), formatError(/extent root/, /inside the filesystem/));
      // Mapped for a reader on another thread: refused the same way, so that thread never reads there.
      await assert.rejects(
        hostExtents(image, "/a/file"),
        formatError(/extent root/, /inside the filesystem/),
      );
    }),
  );

  it("an extent tree deeper than 5", BOUND, () =>
    withImage("hostile-extent-depth.img", async (image) => {
      await assert.rejects(image.readFile("/a/file"), formatError(/extent root/, /depth ≤ 5/));
      await assert.rejects(hostExtents(image, "/a/file"), formatError(/extent root/, /depth ≤ 5/));
    }),
  );

  it("an extent index whose child is at the wrong depth (a loop)", BOUND, () =>
    withImage("hostile-extent-loop.img", async (image) => {
      await assert.rejects(
        image.readFile("/fragmented", 1 << 23),
        formatError(/extent node/, /depth 1 \(got 0/),
      );
      await assert.rejects(hostExtents(image, "/fragmented"), formatError(/extent node/, /depth 1 \(got 0/));
    }),
  );

  for (const [name, what] of [
    ["hostile-reclen-zero.img", "a record length of 0"],
    ["hostile-reclen-over.img", "a record length past its block"],
  ]) {
    it(`a directory entry with ${what}`, BOUND, () =>
      withImage(name!, async (image) => {
        await assert.rejects(
          image.readdir("/a"),
          formatError(/directory inode 13/, /record length of 8\.\.1000/),
        );
        assert.equal((await walkAll(image)).length, 1);
      }),
    );
  }

  it("a directory entry whose name holds a slash: an error, not a path posing as another", BOUND, () =>
    withImage("hostile-slash-name.img", async (image) => {
      const errors = await walkAll(image);
      assert.equal(errors.length, 1);
      formatError(/ext directory inode/, /a name without "\/" or NUL \(got "\//)(errors[0]);
    }),
  );

  it("a directory entry with an inode number past s_inodes_count", BOUND, () =>
    withImage("hostile-inode-range.img", async (image) => {
      const errors = await walkAll(image);
      assert.equal(errors.length, 1);
      formatError(/inode number/, /from 1 to \d+ \(got 2147483647\)/)(errors[0]);
    }),
  );

  it(
    "an entry whose inode has no file type in i_mode: an error naming it, not an odd file skipped",
    BOUND,
    () =>
      withImage("hostile-no-type.img", async (image) => {
        // A walk that took /a/b for an odd file would skip /a/b/leaf without a word.
        const errors = await walkAll(image);
        assert.equal(errors.length, 2);
        for (const e of errors)
          formatError(/^ext inode \d+$/, /a file type in i_mode \(got 0o(000000|170644)\)/)(e);
        await assert.rejects(image.tree.lstat("/a/b"), formatError(/^ext inode/, /got 0o000000/));
        await assert.rejects(image.tree.lstat("/a/b/leaf"), formatError(/^ext inode/, /got 0o000000/));
        const listed = await image.tree.readdirStats!("/a");
        assert.deepEqual(listed.map((e) => [e.name, "error" in e]).sort(), [
          ["b", true],
          ["file", true],
        ]);
      }),
  );

  it(
    "two entries of one name: the first is the file (as the kernel opens it), the other an error",
    BOUND,
    () =>
      withImage("hostile-duplicate-name.img", async (image) => {
        assert.equal((await image.readFile("/a/twinn", 64)).toString(), "first\n");
        const errors: Array<[string, unknown]> = [];
        const seen: string[] = [];
        for await (const e of image.walk("/a", { onError: (p, err) => errors.push([p, err]) }))
          seen.push(e.path);
        assert.deepEqual(seen, ["/a/twinn"]);
        assert.equal(errors.length, 1);
        assert.equal(errors[0]![0], "/a/twinn");
        formatError(
          /^ext directory \d+$/,
          /one entry named "twinn" \(another, inode \d+, is not read/,
        )(errors[0]![1]);
      }),
  );

  const base = readFileSync(img("hostile-base.img"));
  it(
    "a truncated image: too short to hold a superblock, or missing the blocks a file needs",
    BOUND,
    async () => {
      await assert.rejects(
        openExt4(bufferByteSource(base.subarray(0, 1500), "short.img")),
        formatError(/superblock/, /2048/),
      );
      // The inode tables and directories sit in the first 64 KiB of this 1 KiB-block image; file data later.
      const cut = new Image(await openExt4(bufferByteSource(base.subarray(0, 300 * 1024), "cut.img")));
      const errors = await walkAll(cut);
      assert.ok(
        errors.some((e) => e instanceof ImageFormatError && /truncated/.test(e.expected)),
        String(errors),
      );
      // The same cut as a file on the host: a file whose blocks lie past its end is not mapped there.
      const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-cut-"));
      try {
        writeFileSync(path.join(dir, "cut.img"), base.subarray(0, 300 * 1024));
        const onHost = await openExtImage(path.join(dir, "cut.img"));
        try {
          await assert.rejects(hostExtents(onHost, "/a/file"), formatError(/inode \d+/, /truncated/));
        } finally {
          await onHost.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("a zeroed superblock is not ext (probe) and cannot be opened", BOUND, async () => {
    const zeroed = Buffer.from(base);
    zeroed.fill(0, 1024, 2048);
    assert.equal(await isExt(bufferByteSource(zeroed)), false);
    assert.equal(await isExt(bufferByteSource(base)), true);
    await assert.rejects(
      openExt4(bufferByteSource(zeroed, "zeroed.img")),
      formatError(/superblock/, /magic 0xEF53/),
    );
  });

  it("incompatible features that change the layout are refused by name", BOUND, async () => {
    for (const [bit, name] of [
      [0x1, /compression/],
      [0x1000, /dirdata/],
      [0x80000000, /unknown bits 0x80000000/],
    ] as const) {
      const patched = Buffer.from(base);
      patched.writeUInt32LE((patched.readUInt32LE(1024 + 0x60) | bit) >>> 0, 1024 + 0x60);
      await assert.rejects(openExt4(bufferByteSource(patched)), formatError(/superblock/, name));
    }
  });

  it("absurd superblock geometry is refused before anything is allocated", BOUND, async () => {
    const cases: Array<[number, number, RegExp]> = [
      [0x18, 20, /s_log_block_size/],
      [0x4, 0xffffffff, /block count near the image size/],
      [0x28, 0, /inodes per group/],
    ];
    for (const [field, value, expected] of cases) {
      const patched = Buffer.from(base);
      patched.writeUInt32LE(value, 1024 + field);
      await assert.rejects(openExt4(bufferByteSource(patched)), formatError(/superblock/, expected));
    }
  });
});
