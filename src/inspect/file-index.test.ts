import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { debianImage } from "../../test/support/trees.js";
import { FileIndex, type IndexedFile, type IndexedStat } from "./file-index.js";

const stat = (type: IndexedStat["type"], size = 0, more: Partial<IndexedStat> = {}): IndexedStat => ({
  type,
  size,
  mode: 0o644,
  uid: 0,
  gid: 0,
  ...more,
});

function indexOf(entries: Array<[string, IndexedStat]>): FileIndex {
  const builder = FileIndex.builder();
  for (const [path, s] of entries) builder.add(path, s);
  return builder.finish();
}

describe("the compact file index", () => {
  it("gives back every entry of the real Debian rootfs's walk, in order, and finds each by path", async () => {
    const image = debianImage();
    const walked: IndexedFile[] = [];
    const inos: Array<number | undefined> = [];
    const builder = FileIndex.builder();
    for await (const { path, stat: s } of image.walk("/")) {
      walked.push({ path, type: s.type, size: s.size, mode: s.mode, uid: s.uid, gid: s.gid });
      inos.push(s.ino);
      builder.add(path, s);
      // What a follower of the walk reads before it ends: the same entry.
      const i = builder.count - 1;
      assert.deepEqual(builder.at(i), walked[i]);
      assert.equal(builder.inoAt(i), s.ino);
    }
    const index = builder.finish();
    assert.ok(walked.length > 5000, `${walked.length} entries`);
    assert.equal(index.count, walked.length);
    assert.deepEqual([...index], walked);
    // Inode numbers (a host directory's lstat has them), kept beside the entries.
    assert.ok(inos.every((n) => typeof n === "number" && n > 0));
    assert.deepEqual(
      walked.map((_, i) => index.inoAt(i)),
      inos,
    );
    for (const e of walked) assert.deepEqual(index.get(e.path), e, e.path);
    assert.equal(index.get("/etc/passwd")?.type, "file");
    assert.equal(index.get("/usr/bin")?.type, "directory");
    // A selection's view reads each field as the entry has it, and keeps what the test keeps.
    let seen = 0;
    const all = [
      ...index.select((v) => {
        const e = walked[seen++]!;
        assert.deepEqual(
          { type: v.type, size: v.size, name: v.name, dir: v.dir, path: v.path },
          {
            type: e.type,
            size: e.size,
            name: e.path.slice(e.path.lastIndexOf("/") + 1),
            dir: e.path.slice(0, e.path.lastIndexOf("/")) || "/",
            path: e.path,
          },
        );
        return true;
      }),
    ];
    assert.equal(seen, walked.length);
    assert.deepEqual(all, walked);
    const conf = (e: { type: string; path: string }) => e.type === "file" && e.path.endsWith(".conf");
    const selected = [...index.select((v) => v.type === "file" && v.name.endsWith(".conf"))];
    assert.ok(selected.length > 10, `${selected.length} .conf files`);
    assert.deepEqual(selected, walked.filter(conf));
    const apt = [...index.select((v) => v.dir === "/etc/apt")];
    assert.ok(apt.length > 2, `${apt.length} entries in /etc/apt`);
    assert.deepEqual(
      apt,
      walked.filter((e) => /^\/etc\/apt\/[^/]+$/.test(e.path)),
    );
  });

  it("has no inode number for an entry whose tree gave none", () => {
    const index = indexOf([
      ["/a", stat("file", 1)],
      ["/b", stat("file", 1, { ino: 12 } as Partial<IndexedStat>)],
    ]);
    assert.equal(index.inoAt(0), undefined);
    assert.equal(index.inoAt(1), 12);
  });

  it("finds nothing at paths the walk would not write", () => {
    const index = indexOf([
      ["/etc", stat("directory")],
      ["/etc/passwd", stat("file", 10)],
      ["/etc/ssh", stat("directory")],
      ["/etc/ssh/sshd_config", stat("file", 3)],
    ]);
    for (const path of [
      "/",
      "",
      "etc/passwd",
      "//etc",
      "/etc/",
      "/etc//passwd",
      "/etc/ssh/",
      "/etc/pass",
      "/etc/passwdx",
      "/nope/x",
    ])
      assert.equal(index.has(path), false, path);
    assert.equal(index.get("/etc/ssh/sshd_config")?.size, 3);
    assert.equal(index.truncatedAt, undefined);
  });

  it("keeps sizes past 4 GiB and ids past 32 bits exactly", () => {
    const index = indexOf([
      ["/big", stat("file", 2 ** 40 + 3)],
      ["/odd", stat("file", 1, { uid: 2 ** 33, gid: -1, mode: 0o104755 })],
    ]);
    assert.equal(index.get("/big")?.size, 2 ** 40 + 3);
    assert.deepEqual(index.get("/odd"), {
      path: "/odd",
      type: "file",
      size: 1,
      mode: 0o104755,
      uid: 2 ** 33,
      gid: -1,
    });
  });

  it("finds entries fed out of walk order, and the last of a name listed twice", () => {
    const index = indexOf([
      ["/b", stat("directory")],
      ["/a", stat("file", 1)],
      ["/b/x", stat("file", 2)],
      ["/c", stat("file", 3)],
      ["/a", stat("file", 4)],
    ]);
    assert.deepEqual(
      [...index].map((e) => `${e.path}:${e.size}`),
      ["/b:0", "/a:1", "/b/x:2", "/c:3", "/a:4"],
    );
    assert.equal(index.get("/a")?.size, 4);
    assert.equal(index.get("/b/x")?.size, 2);
    assert.equal(index.get("/c")?.size, 3);
  });

  it("finds the last of a name a directory lists twice in walk order", () => {
    const index = indexOf([
      ["/a", stat("file", 1)],
      ["/a", stat("file", 2)],
      ["/b", stat("file", 3)],
    ]);
    assert.equal(index.get("/a")?.size, 2);
    assert.equal(index.get("/b")?.size, 3);
  });

  it("holds names across many chunks", () => {
    const entries: Array<[string, IndexedStat]> = [["/d", stat("directory")]];
    for (let i = 0; i < 5000; i++) entries.push([`/d/n${String(i).padStart(5, "0")}-é`, stat("file", i)]);
    const index = indexOf(entries);
    assert.equal(index.count, 5001);
    assert.equal(index.at(4097).path, "/d/n04096-é");
    assert.equal(index.get("/d/n03333-é")?.size, 3333);
    assert.throws(() => index.at(5001), RangeError);
  });
});
