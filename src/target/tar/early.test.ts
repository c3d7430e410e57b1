import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Image } from "../../fs/image.js";
import { nativeDecompressor } from "./decompress.js";
import { startDecompression } from "./early.js";
import { TarTree } from "./tree.js";

let dir: string;
const at = (...p: string[]) => path.join(dir, ...p);
/** Where the spill folders go, one per test: what is left there afterwards is a leak. */
const spills = (name: string) => {
  const d = at("tmp", name);
  mkdirSync(d, { recursive: true });
  return d;
};

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "amigate-early-"));
  const src = at("src");
  mkdirSync(path.join(src, "etc"), { recursive: true });
  writeFileSync(path.join(src, "etc/hostname"), "early\n");
  // Enough data that the program is still writing when a test stops it.
  writeFileSync(path.join(src, "big"), Buffer.alloc(64 * 1024 * 1024, 7));
  for (const [name, flag] of [
    ["root.tar", ""],
    ["root.tar.zst", "--zstd"],
    ["root.tar.xz", "--xz"],
    ["root.tar.gz", "-z"],
  ] as const)
    execFileSync("tar", ["-C", src, ...(flag ? [flag] : []), "-cf", at(name), "."]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("startDecompression", () => {
  it("the programs are installed here (the tests below would prove nothing without them)", () => {
    assert.ok(nativeDecompressor("zstd"));
    assert.ok(nativeDecompressor("xz"));
  });

  for (const name of ["root.tar.zst", "root.tar.xz"]) {
    it(`${name}: TarTree.open takes the started program over; its spill goes with the tree`, async () => {
      const tmpDir = spills(`taken-${name}`);
      const started = await startDecompression(at(name), { tmpDir });
      assert.ok(started);
      assert.equal(readdirSync(tmpDir).length, 1, "one spill folder, made when it started");
      const tree = await TarTree.open(at(name), { started, tmpDir });
      try {
        assert.equal(started.take(), false, "taken by the tree");
        assert.equal(readdirSync(tmpDir).length, 1, "the tree started no second decompression");
        assert.equal(await new Image(tree).readText("/etc/hostname"), "early\n");
        assert.equal((await new Image(tree).lstat("/big")).size, 64 * 1024 * 1024);
        await started.release(); // the starter's release is then a no-op
        assert.equal(await new Image(tree).readText("/etc/hostname"), "early\n");
      } finally {
        await tree.close();
      }
      assert.deepEqual(readdirSync(tmpDir), [], "the tree's close removed the spill");
    });
  }

  it("released untaken: the program is stopped and the spill removed", async () => {
    const tmpDir = spills("released");
    const started = await startDecompression(at("root.tar.zst"), { tmpDir });
    assert.ok(started);
    await started.release();
    assert.deepEqual(readdirSync(tmpDir), []);
    assert.equal(started.take(), false, "released: nobody may take it");
  });

  it("another file's decompression is not taken: the tree starts its own", async () => {
    const tmpDir = spills("other");
    const started = await startDecompression(at("root.tar.zst"), { tmpDir });
    assert.ok(started);
    const other = at("copy.tar.zst");
    execFileSync("cp", [at("root.tar.zst"), other]);
    const tree = await TarTree.open(other, { started, tmpDir });
    try {
      assert.equal(readdirSync(tmpDir).length, 2);
      assert.equal(await new Image(tree).readText("/etc/hostname"), "early\n");
    } finally {
      await tree.close();
    }
    assert.equal(readdirSync(tmpDir).length, 1, "the starter's spill is still there");
    await started.release();
    assert.deepEqual(readdirSync(tmpDir), []);
  });

  it("nothing to start: plain tar, gzip (inflated in process), a directory, a missing file", async () => {
    const tmpDir = spills("none");
    for (const target of [at("root.tar"), at("root.tar.gz"), at("src"), at("missing.tar.zst")])
      assert.equal(await startDecompression(target, { tmpDir }), undefined, target);
    assert.deepEqual(readdirSync(tmpDir), []);
  });
});
