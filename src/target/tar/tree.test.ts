import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { after, before, describe, it } from "node:test";
import tar from "tar-stream";
import { Image } from "../../fs/image.js";
import { FsError, ImageFormatError } from "../../io/errors.js";
import { evilArchive } from "./testing.js";
import { ENTRY_LIMIT, TarTree } from "./tree.js";

const GiB = 1024 ** 3;
let dir: string;
const at = (...p: string[]) => path.join(dir, ...p);
const gnuTar = (root: string, out: string, ...flags: string[]) =>
  execFileSync("tar", ["--numeric-owner", "-C", root, ...flags, "-cf", out, "."]);
const isFsError = (code: string) => (e: unknown) => e instanceof FsError && e.code === code;

async function withTree<T>(file: string, fn: (tree: TarTree, image: Image) => Promise<T>): Promise<T> {
  const tree = await TarTree.open(file);
  try {
    return await fn(tree, new Image(tree));
  } finally {
    await tree.close();
  }
}

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "amigate-tartree-"));
  const src = at("src");
  const long100 = "d".repeat(60) + "/" + "n".repeat(70);
  const long255 = `${"x".repeat(200)}/${"y".repeat(200)}/${"z".repeat(120)}`;
  mkdirSync(path.join(src, "etc"), { recursive: true });
  mkdirSync(path.join(src, path.dirname(long100)), { recursive: true });
  mkdirSync(path.join(src, path.dirname(long255)), { recursive: true });
  writeFileSync(path.join(src, "etc/shadow"), "root:*:19000:0:99999:7:::\n", { mode: 0o640 });
  linkSync(path.join(src, "etc/shadow"), path.join(src, "etc/shadow-"));
  writeFileSync(path.join(src, long100), "hundred\n");
  writeFileSync(path.join(src, long255), "long\n");
  symlinkSync(`/${long255}`, path.join(src, "etc/longlink"));
  writeFileSync(Buffer.from(`${src}/etc/caf\xe9`, "latin1"), "latin-1 name\n");
  execFileSync("mkfifo", [path.join(src, "etc/fifo")]);
  execFileSync("mknod", [path.join(src, "etc/null"), "c", "1", "3"]);
  gnuTar(src, at("gnu.tar"));
  gnuTar(src, at("pax.tar"), "--format=posix");
  gnuTar(src, at("gnu.tar.gz"), "-z");

  const sparse = at("sparse");
  mkdirSync(sparse);
  writeFileSync(path.join(sparse, "disk.img"), "");
  truncateSync(path.join(sparse, "disk.img"), 10 * GiB);
  execFileSync("bash", [
    "-c",
    `printf 'MIDDLE' | dd of=${sparse}/disk.img bs=1 seek=$((5*1024*1024*1024)) conv=notrunc status=none`,
  ]);
  gnuTar(sparse, at("sparse.tar"), "--sparse");
  gnuTar(sparse, at("sparse-pax.tar.zst"), "--sparse", "--format=posix", "--zstd");
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("TarTree reads what GNU tar writes", () => {
  for (const name of ["gnu.tar", "pax.tar", "gnu.tar.gz"]) {
    it(`${name}: hard links share content, stat and inode`, () =>
      withTree(at(name), async (tree, image) => {
        const [a, b] = [await image.lstat("/etc/shadow"), await image.lstat("/etc/shadow-")];
        assert.equal(a.ino, b.ino);
        assert.equal(a.nlink, 2);
        assert.equal(a.mode, 0o640);
        assert.equal(await image.readText("/etc/shadow-"), "root:*:19000:0:99999:7:::\n");
        assert.deepEqual(tree.suspiciousEntries, []);
      }));

    it(`${name}: names over 100 and 255 bytes, long link targets, a non-UTF-8 name`, () =>
      withTree(at(name), async (_tree, image) => {
        const long255 = `/${"x".repeat(200)}/${"y".repeat(200)}/${"z".repeat(120)}`;
        assert.equal(await image.readText(`/${"d".repeat(60)}/${"n".repeat(70)}`), "hundred\n");
        assert.equal(await image.readText(long255), "long\n");
        assert.equal(await image.readlink("/etc/longlink"), long255);
        assert.equal(await image.readText("/etc/longlink"), "long\n");
        const names = (await image.readdir("/etc")).map((e) => e.name);
        const odd = names.find((n) => n.startsWith("caf"));
        assert.ok(odd && odd !== "café", `non-UTF-8 name decoded with a replacement: ${odd}`);
        assert.equal(await image.readText(`/etc/${odd}`), "latin-1 name\n");
      }));

    it(`${name}: devices and FIFOs keep their types; readFile refuses them`, () =>
      withTree(at(name), async (_tree, image) => {
        assert.equal((await image.lstat("/etc/fifo")).type, "fifo");
        assert.equal((await image.lstat("/etc/null")).type, "char");
        await assert.rejects(image.readFile("/etc/fifo"), isFsError("EINVAL"));
      }));
  }

  it("reads back a real ownership and mode from pax headers", async () => {
    const pack = tar.pack();
    pack.entry(
      {
        name: "big-ids",
        mode: 0o4755,
        uid: 0,
        gid: 0,
        pax: { uid: "3000000000", gid: "4000000000", mtime: "1700000000.5" },
      },
      "x",
    );
    pack.finalize();
    writeFileSync(at("paxids.tar"), await buffer(pack));
    await withTree(at("paxids.tar"), async (_t, image) => {
      const st = await image.lstat("/big-ids");
      assert.deepEqual(
        [st.uid, st.gid, st.mode, st.mtimeMs],
        [3000000000, 4000000000, 0o4755, 1700000000500],
      );
    });
  });

  for (const name of ["sparse.tar", "sparse-pax.tar.zst"]) {
    it(`${name}: a 10 GiB sparse file is never materialised`, () =>
      withTree(at(name), async (tree, image) => {
        assert.equal((await image.stat("/disk.img")).size, 10 * GiB);
        await assert.rejects(image.readFile("/disk.img", 1024 * 1024), isFsError("EFBIG"));
        const middle = await buffer(
          await image.createReadStream("/disk.img", { start: 5 * GiB - 2, end: 5 * GiB + 8 }),
        );
        assert.deepEqual(middle, Buffer.from("\0\0MIDDLE\0\0"));
        const tail = await buffer(tree.createReadStream("/disk.img", { start: 10 * GiB - 4 }));
        assert.deepEqual(tail, Buffer.alloc(4));
      }));
  }
});

describe("TarTree builds the tree extraction would", () => {
  it("keeps ../ and absolute names out of the tree and reports them as unsafe", async () => {
    writeFileSync(at("evil.tar"), await evilArchive());
    await withTree(at("evil.tar"), async (tree, image) => {
      assert.deepEqual(
        tree.unsafeEntries.map((s) => [s.name, s.reason]),
        [
          ["../evil", "'..' component"],
          ["/etc/evil", "absolute name"],
        ],
      );
      assert.deepEqual(tree.suspiciousEntries, []);
      assert.deepEqual(
        (await image.readdir("/")).map((e) => e.name),
        ["etc"],
      );
      assert.deepEqual(
        (await image.readdir("/etc")).map((e) => e.name),
        ["hostname"],
      );
      await assert.rejects(image.stat("/evil"), isFsError("ENOENT"));
    });
  });

  it("synthesizes missing parents, lets the last duplicate win, refuses paths through symlinks", async () => {
    const pack = tar.pack();
    pack.entry({ name: "a/b/c/file", mode: 0o600 }, "first");
    pack.entry({ name: "a/b/c/file", mode: 0o644 }, "second");
    pack.entry({ name: "link", type: "symlink", linkname: "/a" });
    pack.entry({ name: "link/sneaky", mode: 0o644 }, "through a symlink");
    pack.entry({ name: "hard", type: "link", linkname: "missing" });
    pack.finalize();
    writeFileSync(at("dups.tar"), await buffer(pack));
    await withTree(at("dups.tar"), async (tree, image) => {
      const parent = await image.lstat("/a/b");
      assert.deepEqual([parent.type, parent.mode, parent.uid], ["directory", 0o755, 0]);
      assert.equal(await image.readText("/a/b/c/file"), "second");
      assert.equal((await image.lstat("/a/b/c/file")).mode, 0o644);
      assert.deepEqual(
        (await image.readdir("/a/b/c")).map((e) => e.name),
        ["file"],
      );
      assert.deepEqual(
        tree.suspiciousEntries.map((s) => s.name),
        ["link/sneaky", "hard"],
      );
      await assert.rejects(image.lstat("/a/sneaky"), isFsError("ENOENT"));
    });
  });

  it("readFile honours maxBytes and createReadStream ranges", () =>
    withTree(at("gnu.tar.gz"), async (tree) => {
      await assert.rejects(tree.readFile("/etc/shadow", { maxBytes: 10 }), isFsError("EFBIG"));
      assert.equal(
        (await buffer(tree.createReadStream("/etc/shadow", { start: 5, end: 6 }))).toString(),
        "*",
      );
      await assert.rejects(tree.readFile("/etc", { maxBytes: 10 }), isFsError("EISDIR"));
      await assert.rejects(tree.readlink("/etc/shadow"), isFsError("EINVAL"));
      await assert.rejects(tree.lstat("/etc/shadow/x"), isFsError("ENOTDIR"));
    }));

  it("readFile reads into a caller's scratch buffer when the file fits, as without it", () =>
    withTree(at("gnu.tar.gz"), async (tree) => {
      const scratch = Buffer.alloc(64, 0xa5);
      const plain = await tree.readFile("/etc/shadow", { maxBytes: 1024 });
      const lent = await tree.readFile("/etc/shadow", { maxBytes: 1024, scratch });
      assert.ok(lent.equals(plain));
      assert.equal(lent.buffer, scratch.buffer);
      // Too big for the scratch buffer: a buffer of its own, the scratch left as it was.
      const small = Buffer.alloc(4, 0xa5);
      const own = await tree.readFile("/etc/shadow", { maxBytes: 1024, scratch: small });
      assert.ok(own.equals(plain));
      assert.notEqual(own.buffer, small.buffer);
      assert.ok(small.equals(Buffer.alloc(4, 0xa5)));
    }));

  it("removes its spill file on close", async () => {
    const tmpDir = mkdtempSync(path.join(os.tmpdir(), "amigate-spill-"));
    const tree = await TarTree.open(at("gnu.tar.gz"), { tmpDir });
    assert.equal(readdirSync(tmpDir).length, 1);
    await tree.close();
    assert.deepEqual(readdirSync(tmpDir), []);
    rmSync(tmpDir, { recursive: true });
  });
});

describe("TarTree on broken archives ends in ImageFormatError", () => {
  const formatError = (structure: RegExp, offset?: (o: number) => boolean) => (e: unknown) =>
    e instanceof ImageFormatError && structure.test(e.structure) && (offset ? offset(e.offset) : true);

  const oneFile = async () => {
    const pack = tar.pack();
    pack.entry({ name: "big", mode: 0o644 }, Buffer.alloc(100_000, 0x61));
    pack.finalize();
    return buffer(pack);
  };

  it("a .tar cut inside a file's data names the data's offset", async () => {
    writeFileSync(at("cut.tar"), (await oneFile()).subarray(0, 512 + 1000));
    await assert.rejects(
      TarTree.open(at("cut.tar")),
      formatError(/^tar entry data$/, (o) => o === 512),
    );
  });

  it("a .tar cut inside a header", async () => {
    const whole = execFileSync("cat", [at("gnu.tar")]);
    writeFileSync(at("cut-header.tar"), whole.subarray(0, 1024 + 100));
    await assert.rejects(
      TarTree.open(at("cut-header.tar")),
      formatError(/^tar header$/, (o) => o === 1024),
    );
  });

  it("a .tar.gz cut in half", async () => {
    writeFileSync(at("one.tar"), await oneFile());
    execFileSync("gzip", ["-k", at("one.tar")]);
    const whole = execFileSync("cat", [at("one.tar.gz")]);
    writeFileSync(at("cut.tar.gz"), whole.subarray(0, Math.floor(whole.length / 2)));
    await assert.rejects(
      TarTree.open(at("cut.tar.gz")),
      formatError(/^gzip stream$/, (o) => o > 0 && o <= whole.length),
    );
  });

  it("garbage behind a gzip magic", async () => {
    // 0xff: a deflate block of the reserved type 3 (RFC 1951 §3.2.3), so inflate itself fails.
    const header = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    writeFileSync(at("garbage.gz"), Buffer.concat([Buffer.from(header), Buffer.alloc(4096, 0xff)]));
    await assert.rejects(
      TarTree.open(at("garbage.gz")),
      formatError(/^gzip stream$/, (o) => o >= 0),
    );
    // Random bytes may inflate to something for a while: then the tar header check stops them.
    execFileSync("bash", [
      "-c",
      `{ printf '\\x1f\\x8b\\x08\\x00'; head -c 65536 /dev/urandom; } > ${at("random.gz")}`,
    ]);
    await assert.rejects(TarTree.open(at("random.gz")), formatError(/^(gzip stream|tar header)$/));
  });

  it("garbage behind xz and zstd magics", async () => {
    writeFileSync(
      at("garbage.xz"),
      Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]), Buffer.alloc(4096, 0x5a)]),
    );
    writeFileSync(
      at("garbage.zst"),
      Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(4096, 0x5a)]),
    );
    await assert.rejects(TarTree.open(at("garbage.xz")), formatError(/^(xz stream|tar header)$/));
    await assert.rejects(TarTree.open(at("garbage.zst")), formatError(/^(zstd stream|tar header)$/));
  });

  it("an empty file and a header with a bad checksum", async () => {
    writeFileSync(at("empty.tar"), "");
    await assert.rejects(
      TarTree.open(at("empty.tar")),
      formatError(/^tar header$/, (o) => o === 0),
    );
    const whole = execFileSync("cat", [at("gnu.tar")]);
    whole[1044] = whole[1044]! ^ 0xff;
    writeFileSync(at("badsum.tar"), whole);
    await assert.rejects(
      TarTree.open(at("badsum.tar")),
      formatError(/^tar header$/, (o) => o % 512 === 0 && o > 0),
    );
  });
});

describe("an archive with more entries than the index holds", () => {
  const formatError = (structure: RegExp, offset: (o: number) => boolean) => (e: unknown) =>
    e instanceof ImageFormatError && structure.test(e.structure) && offset(e.offset);
  it("is cut at the bound: an error, or with `partial` the entries before it and the reason", async () => {
    const many = at("many");
    mkdirSync(many);
    for (let i = 0; i < 150; i++) writeFileSync(path.join(many, `f${String(i).padStart(3, "0")}`), "");
    for (const [name, flags] of [
      ["many.tar", []],
      ["many.tar.zst", ["--zstd"]],
    ] as const) {
      gnuTar(many, at(name), ...flags);
      await assert.rejects(
        TarTree.open(at(name), { maxEntries: 100 }),
        formatError(/^tar index$/, (o) => o === 100 * 512), // the 101st header
      );
      const tree = await TarTree.open(at(name), { maxEntries: 100, partial: true });
      try {
        assert.equal(tree.damage?.structure, ENTRY_LIMIT);
        assert.equal(tree.damage?.expected, "at most 100 entries");
        // Entry 1 is "./" itself; 99 files follow it.
        assert.equal((await tree.readdir("/")).length, 99);
      } finally {
        await tree.close();
      }
    }
  });
});
