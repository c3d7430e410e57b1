import assert from "node:assert/strict";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { after, before, describe, it } from "node:test";
import { debianRootfsPath } from "../../../test/support/trees.js";
import { compareImages, walkAll, withoutReaddirStats } from "../../../test/support/walk-compare.js";
import { patchedSource, protofileSkipped, xfsImagesPath } from "../../../test/support/xfs-images.js";
import type { ByteSource } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";
import { openFileByteSource } from "../../io/file.js";
import { readHostRuns } from "../../io/host-read.js";
import { DirectoryTree } from "../directory.js";
import { Image } from "../image.js";
import { readExtents } from "./bmap.js";
import { isXfs, openXfs, type XfsTree } from "./index.js";
import { FORMAT } from "./inode.js";

const dir = xfsImagesPath();
const sources: ByteSource[] = [];
async function open(name: string): Promise<{ source: ByteSource; tree: XfsTree }> {
  const source = await openFileByteSource(path.join(dir, name));
  sources.push(source);
  return { source, tree: await openXfs(source) };
}
after(async () => {
  for (const s of sources) await s.close();
});

describe("XFS images equal their source trees (paths, types, modes, owners, sizes, targets, SHA-256)", () => {
  for (const name of ["debian-v5-4k.xfs", "debian-v5-512.xfs", "debian-v4.xfs"]) {
    it(name, async () => {
      const { tree } = await open(name);
      const { differences, summary } = await compareImages(
        new Image(tree),
        new Image(new DirectoryTree(debianRootfsPath())),
        { ignore: protofileSkipped(dir) },
      );
      assert.deepEqual(differences, []);
      assert.ok(summary.entries > 10000 && summary.files > 8000, JSON.stringify(summary));
    });
  }
  for (const name of ["extras-v5.xfs", "extras-v4.xfs"]) {
    it(name, async () => {
      const { tree } = await open(name);
      const { differences, summary } = await compareImages(
        new Image(tree),
        new Image(new DirectoryTree(path.join(dir, "extras"))),
      );
      assert.deepEqual(differences, []);
      assert.ok(summary.entries > 10300, JSON.stringify(summary));
    });
  }
});

describe("XfsTree.readdirStats", () => {
  for (const name of ["debian-v5-4k.xfs", "debian-v4.xfs", "extras-v5.xfs"]) {
    it(`${name}: walks to the same entries and stats as lstat by path`, async () => {
      const { tree } = await open(name);
      const byStats = await walkAll(new Image(tree));
      const byPath = await walkAll(new Image(withoutReaddirStats(tree)));
      assert.ok(byStats.length > 10_000, `${byStats.length} entries`);
      assert.deepEqual(byStats, byPath);
      const file = byStats.find((e) => e.stat.type === "file")!;
      await assert.rejects(tree.readdirStats(file.path), { code: "ENOTDIR" });
    });
  }
});

describe("XFS structures the fixtures exercise", () => {
  it("geometry: sector sizes, AG counts, versions, ftype", async () => {
    const geometry = async (name: string) => (await open(name)).tree.volume.sb;
    const v5k = await geometry("debian-v5-4k.xfs");
    assert.deepEqual([v5k.version, v5k.sectorSize, v5k.agCount, v5k.ftype], [5, 4096, 8, true]);
    const v5s = await geometry("debian-v5-512.xfs");
    assert.deepEqual([v5s.version, v5s.sectorSize, v5s.dirBlockLog], [5, 512, 1]);
    assert.ok(v5s.incompat & 0x20, "nrext64");
    assert.ok(v5s.incompat & 0x8, "bigtime");
    const v4 = await geometry("debian-v4.xfs");
    assert.deepEqual([v4.version, v4.blockSize, v4.ftype], [4, 1024, false]);
  });
  it("extras-v5: 64-bit inode numbers in a shortform root, node/btree directory, btree data fork", async () => {
    const { tree } = await open("extras-v5.xfs");
    const root = await tree.lookup("/");
    assert.equal(root.format, FORMAT.local);
    const leaf = await tree.lstat("/leaf");
    assert.ok((leaf.ino ?? 0) > 2 ** 32, `inode ${leaf.ino} needs 8 bytes in the shortform entry`);
    const big = await tree.lookup("/big");
    assert.equal(big.format, FORMAT.btree);
    assert.equal((await tree.readdir("/big")).length, 10000);
    const frag = await tree.lookup("/frag.bin");
    assert.equal(frag.format, FORMAT.btree, "frag.bin rewritten through the loop mount");
    const extents = await readExtents(tree.volume, frag);
    assert.equal(extents.length, 620);
    assert.equal(extents.filter((e) => e.unwritten).length, 20);
    assert.equal((await tree.readlink("/long-symlink")).length, 1022);
    assert.equal(await tree.readlink("/short-symlink"), "short/a");
    assert.equal((await tree.lstat("/sticky")).mode, 0o1777);
    assert.equal((await tree.lstat("/setuid")).mode, 0o4755);
  });
  it("readFile bounds and ranges", async () => {
    const { tree } = await open("extras-v5.xfs");
    await assert.rejects(tree.readFile("/random.bin", { maxBytes: 1000 }), { code: "EFBIG" });
    const whole = await tree.readFile("/sparse.bin", { maxBytes: 1 << 24 });
    assert.equal(whole.subarray(5242880, 5242886).toString(), "middle");
    const parts: Buffer[] = [];
    for await (const c of tree.createReadStream("/frag.bin", { start: 4090, end: 8200 }))
      parts.push(c as Buffer);
    const frag = await tree.readFile("/frag.bin", { maxBytes: 1 << 24 });
    assert.deepEqual(Buffer.concat(parts), frag.subarray(4090, 8200));
    assert.equal(
      frag.subarray(4096, 8192).every((x) => x === 0),
      true,
      "block 1 is unwritten: zeros",
    );
    assert.equal(frag[0], 2, "block 0 was written with 0x02");
    await assert.rejects(tree.readFile("/big", { maxBytes: 10 }), { code: "EISDIR" });
    await assert.rejects(tree.lstat("/random.bin/x"), { code: "ENOTDIR" });
    await assert.rejects(tree.lstat("/nope"), { code: "ENOENT" });
    await assert.rejects(tree.readlink("/random.bin"), { code: "EINVAL" });
  });
  it("isXfs tells XFS from other bytes", async () => {
    const { source } = await open("extras-v4.xfs");
    assert.equal(await isXfs(source), true);
    const zeros = patchedSource(source, [{ offset: 0, bytes: Buffer.alloc(512) }]);
    assert.equal(await isXfs(zeros), false);
  });
});

describe("XfsTree.hostExtents", () => {
  for (const name of ["extras-v5.xfs", "extras-v4.xfs"]) {
    it(`${name}: every file read through its host runs equals readFile (holes, unwritten, btree forks)`, async () => {
      const { source, tree } = await open(name);
      assert.ok(source.hostFile);
      let files = 0;
      for (const e of await walkAll(new Image(tree))) {
        if (e.stat.type !== "file" || e.stat.size > 1 << 24) continue;
        const extents = await tree.hostExtents(e.path);
        assert.ok(extents, e.path);
        assert.equal(extents.fd, source.hostFile.fd);
        const viaRuns = Buffer.alloc(extents.size);
        readHostRuns(extents.fd, extents.runs, 0, viaRuns, e.path);
        assert.ok(viaRuns.equals(await tree.readFile(e.path, { maxBytes: 1 << 24 })), e.path);
        files++;
      }
      assert.ok(files > 100, `${files} files`);
    });
  }
});

describe("hostile XFS images give typed errors", () => {
  let base: ByteSource;
  let good: XfsTree;
  before(async () => {
    ({ source: base, tree: good } = await open("extras-v5.xfs"));
  });
  const walkAll = async (source: ByteSource) => {
    const image = new Image(await openXfs(source));
    let n = 0;
    const errors: unknown[] = [];
    for await (const e of image.walk("/", { onError: (_p, err) => errors.push(err) })) {
      n++;
      if (e.stat.type === "file") await image.readFile(e.path, 1 << 24).catch((err) => errors.push(err));
    }
    return { n, errors };
  };
  it("zeroed superblock", async () => {
    const s = patchedSource(base, [{ offset: 0, bytes: Buffer.alloc(512) }]);
    await assert.rejects(openXfs(s), (e) => e instanceof ImageFormatError && /XFSB/.test(e.expected));
  });
  it("needsrepair and unknown incompatible features are refused", async () => {
    const flags = (await base.read(216, 4)).readUInt32BE(0);
    for (const bit of [0x10, 0x4000]) {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(flags | bit);
      const s = patchedSource(base, [{ offset: 216, bytes: b }]);
      await assert.rejects(openXfs(s), (e) => e instanceof ImageFormatError && e.offset === 216);
    }
  });
  it("truncated image: reads past the end are typed errors", async () => {
    const leaf = await good.lookup("/leaf");
    const s = patchedSource(base, [], leaf.offset);
    const tree = await openXfs(s);
    await assert.rejects(tree.readdir("/leaf"), ImageFormatError);
  });
  it("extents past the end of the filesystem", async () => {
    const random = await good.lookup("/random.bin");
    assert.equal(random.format, FORMAT.extents);
    // Start block field (bits 21..72 of the record) set to all ones.
    const s = patchedSource(base, [
      { offset: random.offset + 176 + 7, bytes: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]) },
    ]);
    const tree = await openXfs(s);
    await assert.rejects(
      tree.readFile("/random.bin", { maxBytes: 1 << 24 }),
      (e) => e instanceof ImageFormatError && /past/.test(e.expected),
    );
    // Mapped for a thread that reads the host file itself: refused the same way.
    const onHost = await openXfs({ ...s, hostFile: base.hostFile! });
    await assert.rejects(
      onHost.hostExtents("/random.bin"),
      (e) => e instanceof ImageFormatError && /past/.test(e.expected),
    );
  });
  it("a block-map btree whose root points at a block of the wrong level", async () => {
    const frag = await good.lookup("/frag.bin");
    const s = patchedSource(base, [{ offset: frag.offset + 176, bytes: Buffer.from([0, 5]) }]);
    const tree = await openXfs(s);
    await assert.rejects(tree.readFile("/frag.bin", { maxBytes: 1 << 24 }), ImageFormatError);
  });
  it("absurd file size", async () => {
    const random = await good.lookup("/random.bin");
    const s = patchedSource(base, [
      { offset: random.offset + 56, bytes: Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0]) },
    ]);
    const tree = await openXfs(s);
    await assert.rejects(tree.lstat("/random.bin"), ImageFormatError);
  });
  it("a directory cycle (an entry pointing at the root) ends; the walk stays finite", async () => {
    // /short is shortform: header (count, i8count, 8-byte parent), then entries; "sub" is last and
    // its 8-byte inode number ends the directory.
    const short = await good.lookup("/short");
    const entries = await good.readdir("/short");
    assert.ok(entries.some((e) => e.name === "sub"));
    const ino = Buffer.alloc(8);
    ino.writeBigUInt64BE(BigInt(good.volume.sb.rootIno));
    const s = patchedSource(base, [{ offset: short.offset + 176 + short.size - 8, bytes: ino }]);
    const started = Date.now();
    const { n } = await walkAll(s);
    assert.ok(n > 10000 && n < 10384 * 2, `walked ${n} entries`);
    assert.ok(Date.now() - started < 120_000);
  });
  it("an entry whose inode has no file type in di_mode: an error naming it, not an odd file skipped", async () => {
    const sub = await good.lookup("/short/sub");
    const random = await good.lookup("/random.bin");
    const s = patchedSource(base, [
      { offset: sub.offset + 2, bytes: Buffer.from([0, 0]) }, // a free inode
      { offset: random.offset + 2, bytes: Buffer.from([0xf1, 0xa4]) }, // 0o170644: no such type
    ]);
    const tree = await openXfs(s);
    await assert.rejects(
      tree.lstat("/short/sub"),
      (e) =>
        e instanceof ImageFormatError &&
        /file type in di_mode \(got 0o000000: a free inode\)/.test(e.expected),
    );
    await assert.rejects(
      tree.lstat("/random.bin"),
      (e) =>
        e instanceof ImageFormatError &&
        /\(got 0o170644\)/.test(e.expected) &&
        e.offset === random.offset + 2,
    );
    const listed = await tree.readdirStats("/short");
    assert.ok(listed.some((e) => e.name === "sub" && "error" in e));
    const { errors } = await walkAll(s);
    assert.equal(errors.length, 2);
  });
  it("bad inode magic", async () => {
    const random = await good.lookup("/random.bin");
    const s = patchedSource(base, [{ offset: random.offset, bytes: Buffer.from("XX") }]);
    const tree = await openXfs(s);
    await assert.rejects(
      tree.lstat("/random.bin"),
      (e) => e instanceof ImageFormatError && /"IN"/.test(e.expected),
    );
  });
});

describe("XfsTree.readFile into a caller's scratch buffer", () => {
  for (const name of ["debian-v5-4k.xfs", "extras-v5.xfs", "debian-v4.xfs"]) {
    it(`${name}: every file as without it (holes, unwritten extents, local data)`, async () => {
      const { tree } = await open(name);
      const image = new Image(tree);
      const scratch = Buffer.alloc(256 * 1024, 0xa5);
      let intoScratch = 0;
      for await (const { path: p, stat } of image.walk("/")) {
        if (stat.type !== "file" || stat.size > scratch.length) continue;
        scratch.fill(0xa5);
        // The stream (extents read piece by piece, the walk comparison's source of truth) against
        // readFile with and without the scratch buffer.
        const streamed = await buffer(tree.createReadStream(p));
        const own = await tree.readFile(p, { maxBytes: scratch.length });
        const lent = await tree.readFile(p, { maxBytes: scratch.length, scratch });
        assert.ok(own.equals(streamed), p);
        assert.ok(lent.equals(streamed), p);
        if (lent.buffer === scratch.buffer) intoScratch++;
      }
      assert.ok(intoScratch > 1000, `${intoScratch} files read into the scratch buffer`);
    });
  }

  it("extras-v5.xfs: holes and unwritten extents leave none of the scratch buffer's old bytes", async () => {
    const { tree } = await open("extras-v5.xfs");
    const scratch = Buffer.alloc(16 << 20, 0xa5);
    for (const p of ["/sparse.bin", "/frag.bin"]) {
      scratch.fill(0xa5);
      const streamed = await buffer(tree.createReadStream(p));
      const lent = await tree.readFile(p, { maxBytes: scratch.length, scratch });
      assert.equal(lent.buffer, scratch.buffer, p);
      assert.ok(lent.equals(streamed), p);
    }
  });
});
