import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { isFsError } from "../../io/errors.js";
import { openFileByteSource } from "../../io/file.js";
import { Image } from "../image.js";
import { openNtfs } from "./index.js";

// A volume written by ntfs-3g, whose user.* extended attributes are alternate data streams.
const work = mkdtempSync(path.join(os.tmpdir(), "amigate-ntfs-streams-"));
after(() => rmSync(work, { recursive: true, force: true }));
const volume = path.join(work, "v.ntfs");
const mnt = path.join(work, "mnt");
mkdirSync(mnt);
execFileSync("truncate", ["-s", "8M", volume]);
execFileSync("mkntfs", ["-q", "-F", "-Q", volume], { stdio: "ignore" });
execFileSync("ntfs-3g", [volume, mnt]);
try {
  writeFileSync(path.join(mnt, "notes.txt"), "visible\n");
  execFileSync("setfattr", [
    "-n",
    "user.secret",
    "-v",
    "aws_secret_access_key = hidden",
    path.join(mnt, "notes.txt"),
  ]);
  // Directories, the root among them, carry named streams too.
  mkdirSync(path.join(mnt, "dir"));
  execFileSync("setfattr", ["-n", "user.conf", "-v", "aws_secret_access_key = indir", path.join(mnt, "dir")]);
  execFileSync("setfattr", ["-n", "user.top", "-v", "aws_secret_access_key = inroot", mnt]);
  writeFileSync(path.join(mnt, "odd.txt"), "odd\n");
  // A stream whose name holds a slash: joined into a path it would pose as ../etc/shadow.
  execFileSync("setfattr", ["-n", "user.x/../etc/shadow", "-v", "hidden", path.join(mnt, "odd.txt")]);
} finally {
  execFileSync("umount", [mnt]);
}

describe("NTFS alternate data streams", () => {
  it("are listed by the walk as file:stream and read as their own bytes", async () => {
    const source = await openFileByteSource(volume);
    try {
      const tree = await openNtfs(source);
      const listed = await tree.readdirStats!("/");
      const streamEntry = listed.find((e) => e.name === "notes.txt:secret");
      assert.ok(streamEntry && "stat" in streamEntry, JSON.stringify(listed.map((e) => e.name)));
      assert.equal(streamEntry.stat.size, "aws_secret_access_key = hidden".length);
      assert.equal(streamEntry.stat.ino, undefined, "no inode number: not the file's own bytes");
      assert.equal(
        (await tree.readFile("/notes.txt:secret", { maxBytes: 1024 })).toString(),
        "aws_secret_access_key = hidden",
      );
      assert.equal((await tree.readFile("/notes.txt", { maxBytes: 1024 })).toString(), "visible\n");
      const paths: string[] = [];
      for await (const e of new Image(tree).walk("/")) paths.push(e.path);
      assert.ok(paths.includes("/notes.txt:secret"), paths.join(" "));
      // Inspectors' listings name files only; a name with a colon that is no stream is absent.
      assert.deepEqual(
        (await tree.readdir("/")).map((e) => e.name).filter((n) => n.startsWith("notes")),
        ["notes.txt"],
      );
      await assert.rejects(tree.lstat("/notes.txt:nothing"), (e) => isFsError(e, "ENOENT"));
      // A directory's streams and the root's are files beside it, read as their bytes.
      for (const [p, text] of [
        ["/dir:conf", "aws_secret_access_key = indir"],
        ["/:top", "aws_secret_access_key = inroot"],
      ] as const) {
        assert.ok(paths.includes(p), paths.join(" "));
        const st = await tree.lstat(p);
        assert.equal(st.type, "file");
        assert.equal(st.size, text.length);
        assert.equal((await tree.readFile(p, { maxBytes: 1024 })).toString(), text);
      }
      assert.equal((await tree.lstat("/dir")).type, "directory");
      await assert.rejects(tree.readFile("/dir", { maxBytes: 1024 }), (e) => isFsError(e, "EISDIR"));
      const odd = listed.find((e) => e.name.startsWith("odd.txt:"));
      assert.ok(odd && "error" in odd, JSON.stringify(odd));
      assert.equal(odd.name, "odd.txt:x?..?etc?shadow");
      assert.match(String(odd.error), /a stream name without "\/" or NUL/);
    } finally {
      await source.close();
    }
  });
});
