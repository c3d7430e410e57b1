import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { ext4ImagesPath, openExtImage } from "../../../test/support/ext4-images.js";
import { isFsError } from "../../io/errors.js";

const noKey = (path: string) => (e: unknown) => isFsError(e, "ENOKEY") && e.path === path;

describe("ext4 fscrypt-encrypted inodes are errors, not ciphertext read as names and bytes", () => {
  it("an encrypted directory cannot be listed or looked into; an encrypted file cannot be read", async () => {
    const img = await openExtImage(path.join(ext4ImagesPath(), "encrypt.img"));
    try {
      // Its own entry stats like any other: the name is in an unencrypted parent.
      assert.equal((await img.tree.lstat("/home/alice")).type, "directory");
      await assert.rejects(img.tree.readdir("/home/alice"), noKey("/home/alice"));
      await assert.rejects(img.tree.readdirStats!("/home/alice"), noKey("/home/alice"));
      await assert.rejects(img.tree.lstat("/home/alice/notes.txt"), noKey("/home/alice"));
      await assert.rejects(img.tree.readFile("/etc/locked", { maxBytes: 64 }), noKey("/etc/locked"));
      assert.equal((await img.tree.readFile("/etc/hostname", { maxBytes: 64 })).toString(), "plain\n");
      // A walk reports the directory, so a scan lists it as not read.
      const errors: Array<[string, unknown]> = [];
      const paths: string[] = [];
      for await (const e of img.walk("/", { onError: (p, err) => errors.push([p, err]) })) paths.push(e.path);
      assert.ok(paths.includes("/home/alice") && !paths.includes("/home/alice/notes.txt"));
      assert.deepEqual(
        errors.map(([p, e]) => [p, isFsError(e, "ENOKEY")]),
        [["/home/alice", true]],
      );
    } finally {
      await img.close();
    }
  });
});
