import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ImageFormatError } from "../../io/errors.js";
import { tarGaps } from "./probe.js";
import { END_OF_ARCHIVE, tarEntry, writeManyEntriesTar } from "./testing.js";
import { ENTRY_LIMIT, MAX_TAR_ENTRIES, MAX_TAR_INDEX_BYTES, TarTree } from "./tree.js";

const COUNT = 100_000;
let dir: string;
const at = (name: string) => path.join(dir, name);

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "amigate-tar-index-"));
  writeManyEntriesTar(at("many.tar"), COUNT);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("the tar index is compact and bounded in bytes", () => {
  it(`holds ${COUNT} empty files in under 100 bytes each`, async () => {
    const tree = await TarTree.open(at("many.tar"));
    try {
      const perEntry = tree.indexBytes / COUNT;
      assert.ok(perEntry < 100, `${perEntry} bytes per entry`);
      // The bounds together: the entry bound's worth of short entries fits in the byte bound.
      assert.ok(MAX_TAR_ENTRIES * perEntry < MAX_TAR_INDEX_BYTES);
      assert.equal((await tree.readdir("/")).length, COUNT / 1000);
      assert.equal((await tree.readdir("/d42")).length, 1000);
      assert.deepEqual(await tree.lstat("/d99/f99999"), {
        type: "file",
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: 0,
        mtimeMs: 1_700_000_000_000,
        ino: (await tree.lstat("/d99/f99999")).ino,
        nlink: 1,
      });
    } finally {
      await tree.close();
    }
  });

  it("stops at maxIndexBytes: an error, or with `partial` the entries before it and a gap", async () => {
    const maxIndexBytes = 1024 * 1024;
    await assert.rejects(
      TarTree.open(at("many.tar"), { maxIndexBytes }),
      (e) => e instanceof ImageFormatError && e.structure === ENTRY_LIMIT,
    );
    const tree = await TarTree.open(at("many.tar"), { maxIndexBytes, partial: true });
    try {
      assert.ok(tree.indexBytes <= maxIndexBytes, `${tree.indexBytes}`);
      assert.equal(tree.damage?.structure, ENTRY_LIMIT);
      assert.match(tree.damage!.expected, /^an index of at most 1 MiB \(\d+ entries held it\)$/);
      const gaps = tarGaps(tree);
      assert.equal(gaps.length, 1);
      assert.match(gaps[0]!.reason, /more entries than amigate indexes \(an index of at most 1 MiB/);
      // What was indexed reads back.
      assert.equal((await tree.readdir("/d0")).length, 1000);
    } finally {
      await tree.close();
    }
  });

  it("long names and deep paths count against the byte bound too", async () => {
    // One entry whose pax path has 50,000 components: 50,000 directories from one header.
    const deep = `${"d/".repeat(50_000)}file`;
    const record = `path=${deep}\n`;
    let len = record.length + 2;
    while (`${len} ${record}`.length !== len) len = `${len} ${record}`.length;
    writeFileSync(
      at("deep.tar"),
      Buffer.concat([
        tarEntry({ name: "PaxHeader", typeflag: "x" }, `${len} ${record}`),
        tarEntry({ name: "placeholder" }, "deep\n"),
        END_OF_ARCHIVE,
      ]),
    );
    const whole = await TarTree.open(at("deep.tar"));
    try {
      assert.equal(await whole.readFile(`/${deep}`, { maxBytes: 10 }).then(String), "deep\n");
    } finally {
      await whole.close();
    }
    const bounded = await TarTree.open(at("deep.tar"), { maxIndexBytes: 512 * 1024, partial: true });
    try {
      assert.equal(bounded.damage?.structure, ENTRY_LIMIT);
      assert.ok(bounded.indexBytes <= 512 * 1024);
    } finally {
      await bounded.close();
    }
  });

  it("hard links share the inode, later entries replace earlier ones, readdir keeps archive order", async () => {
    writeFileSync(
      at("links.tar"),
      Buffer.concat([
        tarEntry({ name: "./etc/b" }, "first b\n"),
        tarEntry({ name: "./etc/a" }, "a\n"),
        tarEntry({ name: "./etc/a-link", typeflag: "1", linkname: "./etc/a" }),
        tarEntry({ name: "./etc/b" }, "second b\n"),
        tarEntry({ name: "./etc/dir", typeflag: "5" }),
        tarEntry({ name: "./etc/dir/x" }, "x\n"),
        tarEntry({ name: "./etc/dir", typeflag: "5", mode: 0o700 }),
        END_OF_ARCHIVE,
      ]),
    );
    const tree = await TarTree.open(at("links.tar"));
    try {
      assert.deepEqual(
        (await tree.readdir("/etc")).map((e) => e.name),
        ["b", "a", "a-link", "dir"],
      );
      const a = await tree.lstat("/etc/a");
      assert.equal(a.nlink, 2);
      assert.equal((await tree.lstat("/etc/a-link")).ino, a.ino);
      assert.equal(await tree.readFile("/etc/b", { maxBytes: 100 }).then(String), "second b\n");
      // A directory entry again keeps its children and takes the new mode.
      assert.equal((await tree.lstat("/etc/dir")).mode, 0o700);
      assert.equal(await tree.readFile("/etc/dir/x", { maxBytes: 100 }).then(String), "x\n");
    } finally {
      await tree.close();
    }
  });
});
