import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { ext4ImagesPath, openExtImage } from "../../../test/support/ext4-images.js";
import { isFsError } from "../../io/errors.js";
import { foldName } from "./tree.js";

const image = () => openExtImage(path.join(ext4ImagesPath(), "casefold.img"));

describe("ext4 casefolded directories (the CASEFOLD feature and a directory's casefold flag)", () => {
  it("a lookup matches names as the kernel does: without case, canonically decomposed", async () => {
    const img = await image();
    try {
      // sshd opens sshd_config; in a casefolded /etc/ssh the kernel gives it SSHD_CONFIG.
      const text = await img.readTextIfExists("/etc/ssh/sshd_config", 1 << 16);
      assert.equal(text, "PasswordAuthentication yes\nPermitRootLogin yes\n");
      assert.equal(
        (await img.tree.lstat("/etc/ssh/Sshd_Config")).ino,
        (await img.tree.lstat("/etc/ssh/SSHD_CONFIG")).ino,
      );
      // "café" stored composed (U+00E9), looked up decomposed and upper-cased.
      assert.equal((await img.tree.lstat("/etc/ssh/CAFE\u0301")).size, "composed\n".length);
      // The walk lists the names as stored.
      const names = (await img.tree.readdir("/etc/ssh")).map((e) => e.name).sort();
      assert.deepEqual(names, ["KEY", "Key", "SSHD_CONFIG", "caf\u00e9"]);
    } finally {
      await img.close();
    }
  });

  it("names that fold alike: the first in directory order, whichever case is asked for", async () => {
    const img = await image();
    try {
      const order = (await img.tree.readdir("/etc/ssh"))
        .map((e) => e.name)
        .filter((n) => foldName(n) === "key");
      assert.equal(order.length, 2);
      const first = await img.tree.readFile(`/etc/ssh/${order[0]}`, { maxBytes: 64 });
      for (const asked of ["Key", "KEY", "key"])
        assert.deepEqual(await img.tree.readFile(`/etc/ssh/${asked}`, { maxBytes: 64 }), first, asked);
    } finally {
      await img.close();
    }
  });

  it("a directory without the flag matches exactly, on the same filesystem", async () => {
    const img = await image();
    try {
      assert.ok(await img.tree.lstat("/etc/PASSWD"));
      await assert.rejects(img.tree.lstat("/etc/passwd"), (e) => isFsError(e) && e.code === "ENOENT");
    } finally {
      await img.close();
    }
  });
});
