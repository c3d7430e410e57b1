import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { TargetError } from "../../io/errors.js";
import { openTarget } from "../open.js";
import { discardEarlyDecompression, startEarlyDecompression } from "./early.js";
import { TarTree } from "./tree.js";

let dir: string;
/** Where spill folders go in these tests (os.tmpdir() follows TMPDIR). */
let spills: string;
const savedTmp = process.env.TMPDIR;
const at = (...p: string[]) => path.join(dir, ...p);
const spillFolders = () => readdirSync(spills).filter((n) => n.startsWith("amigate-tar-"));

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "amigate-early-"));
  spills = at("tmp");
  mkdirSync(spills);
  process.env.TMPDIR = spills;
  for (const name of ["a", "b"]) {
    mkdirSync(at(name, "etc"), { recursive: true });
    writeFileSync(at(name, "etc/hostname"), `${name}\n`);
    // Enough data that the program is still running when the test stops it.
    writeFileSync(at(name, "etc/big"), Buffer.alloc(8 * 1024 * 1024, name));
    execFileSync("tar", ["-C", at(name), "--zstd", "-cf", at(`${name}.tar.zst`), "."]);
  }
  execFileSync("tar", ["-C", at("a"), "--xz", "-cf", at("a.tar.xz"), "."]);
  execFileSync("tar", ["-C", at("a"), "-czf", at("a.tar.gz"), "."]);
  writeFileSync(at("not-an-image"), "hello\n".repeat(100));
  execFileSync("mkfifo", [at("fifo")]);
});
afterEach(() => discardEarlyDecompression());
after(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(dir, { recursive: true, force: true });
});

describe("a decompression started before the scan opens its target", () => {
  for (const archive of ["a.tar.zst", "a.tar.xz"]) {
    it(`is taken over by the tree that opens the same archive (${archive})`, async () => {
      assert.equal(startEarlyDecompression(at(archive)), true);
      const started = spillFolders();
      assert.equal(started.length, 1);
      const tree = await TarTree.open(at(archive));
      try {
        // The tree reads the spill the early program wrote: no second folder, no second program.
        assert.deepEqual(spillFolders(), started);
        assert.equal((await tree.readFile("/etc/hostname", { maxBytes: 1 << 20 })).toString(), "a\n");
        assert.equal((await tree.readFile("/etc/big", { maxBytes: 1 << 24 })).length, 8 * 1024 * 1024);
      } finally {
        await tree.close();
      }
      assert.deepEqual(spillFolders(), []);
    });
  }

  it("is stopped and removed when the tree opens another archive", async () => {
    assert.equal(startEarlyDecompression(at("a.tar.zst")), true);
    const early = spillFolders();
    const tree = await TarTree.open(at("b.tar.zst"));
    try {
      const now = spillFolders();
      assert.equal(now.length, 1);
      assert.notDeepEqual(now, early, "b has its own spill; a's is gone");
      assert.equal((await tree.readFile("/etc/hostname", { maxBytes: 1 << 20 })).toString(), "b\n");
    } finally {
      await tree.close();
    }
    assert.deepEqual(spillFolders(), []);
  });

  it("is stopped and removed when the target turns out not to be that archive", async () => {
    assert.equal(startEarlyDecompression(at("a.tar.zst")), true);
    await assert.rejects(openTarget(at("not-an-image")), TargetError);
    assert.deepEqual(spillFolders(), []);
    const target = await openTarget(at("b.tar.zst"));
    await target.close();
    assert.deepEqual(spillFolders(), []);
  });

  it("starts nothing for a plain, gzip or missing file, a folder or a FIFO", () => {
    // The FIFO has no writer: an open that waited for one would hang the test.
    for (const file of ["a.tar.gz", "not-an-image", "missing.tar.zst", "a", "fifo"]) {
      assert.equal(startEarlyDecompression(at(file)), false, file);
    }
    assert.deepEqual(spillFolders(), []);
  });

  it("is not taken under another decompression bound", async () => {
    assert.equal(startEarlyDecompression(at("a.tar.zst"), { AMIGATE_MAX_INFLATE_RATIO: "7" }), true);
    const early = spillFolders();
    const tree = await TarTree.open(at("a.tar.zst"));
    try {
      assert.notDeepEqual(spillFolders(), early);
    } finally {
      await tree.close();
    }
    assert.deepEqual(spillFolders(), []);
  });
});
