import assert from "node:assert/strict";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { DirectoryTree } from "./directory.js";
import { Image } from "./image.js";
import { MountedTree } from "./mounted.js";

const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "amigate-mounted-"));
after(() => fsp.rm(tmp, { recursive: true, force: true }));
for (const [file, text] of [
  ["root/etc/fstab", "fstab"],
  ["root/boot/from-root", "hidden under the mount"],
  ["boot/vmlinuz", "kernel"],
  ["home/admin/.bashrc", "bashrc"],
  ["efi/EFI/BOOT/BOOTX64.EFI", "efi"],
] as const) {
  await fsp.mkdir(path.dirname(path.join(tmp, file)), { recursive: true });
  await fsp.writeFile(path.join(tmp, file), text);
}

describe("MountedTree", () => {
  const tree = new MountedTree([
    { mountPoint: "/", tree: new DirectoryTree(path.join(tmp, "root")) },
    { mountPoint: "/boot", tree: new DirectoryTree(path.join(tmp, "boot")) },
    { mountPoint: "/boot/efi", tree: new DirectoryTree(path.join(tmp, "efi")) },
    { mountPoint: "/home", tree: new DirectoryTree(path.join(tmp, "home")) },
  ]);
  const image = new Image(tree);
  it("serves each path from the longest mount point", async () => {
    assert.equal(await image.readText("/etc/fstab"), "fstab");
    assert.equal(await image.readText("/boot/vmlinuz"), "kernel");
    assert.equal(await image.readText("/boot/efi/EFI/BOOT/BOOTX64.EFI"), "efi");
    assert.equal(await image.readText("/home/admin/.bashrc"), "bashrc");
    assert.equal(
      await image.readTextIfExists("/boot/from-root"),
      undefined,
      "the mount hides the root's /boot",
    );
  });
  it("lists mount points in their parents even when the parent lacks the directory", async () => {
    assert.deepEqual((await tree.readdir("/")).map((e) => e.name).sort(), [
      "boot",
      "boot (hidden by its mount)",
      "etc",
      "home",
    ]);
    assert.deepEqual((await tree.readdir("/boot")).map((e) => e.name).sort(), ["efi", "vmlinuz"]);
    assert.equal((await tree.lstat("/boot/efi")).type, "directory");
  });
  it("lists what a mount hides beside it, so a walk reads it, while the OS's paths stay the OS's", async () => {
    const paths: string[] = [];
    for await (const e of new Image(tree).walk("/")) paths.push(e.path);
    // The root's /boot holds a file under the /boot mount; /home and /boot/efi hide nothing.
    assert.ok(paths.includes("/boot (hidden by its mount)/from-root"), paths.join(" "));
    assert.equal(paths.filter((p) => p.includes("(hidden by")).length, 2);
    assert.equal(await image.readText("/boot (hidden by its mount)/from-root"), "hidden under the mount");
    assert.equal(await image.readTextIfExists("/boot/from-root"), undefined);
    const listed = await tree.readdirStats("/");
    const hidden = listed.find((e) => e.name === "boot (hidden by its mount)");
    assert.ok(hidden && "stat" in hidden && hidden.stat.type === "directory");
    assert.equal(hidden.stat.dev, (await tree.lstat("/etc")).dev, "the root filesystem's");
  });
  it("refuses a tree without a root mount", () => {
    assert.throws(
      () => new MountedTree([{ mountPoint: "/boot", tree: new DirectoryTree(tmp) }]),
      /root mount/,
    );
  });
  it("walks filesystems whose inode numbers repeat (each filesystem numbers from 1) without a false cycle", async () => {
    // The same host directory mounted twice stands for two filesystems with equal inode numbers.
    const twice = new Image(
      new MountedTree([
        { mountPoint: "/", tree: new DirectoryTree(path.join(tmp, "root")) },
        { mountPoint: "/home", tree: new DirectoryTree(path.join(tmp, "home")) },
        { mountPoint: "/srv", tree: new DirectoryTree(path.join(tmp, "home")) },
      ]),
    );
    const errors: string[] = [];
    const paths: string[] = [];
    for await (const e of twice.walk("/", { onError: (p, err) => errors.push(`${p}: ${String(err)}`) }))
      paths.push(e.path);
    assert.deepEqual(errors, []);
    assert.ok(paths.includes("/home/admin/.bashrc") && paths.includes("/srv/admin/.bashrc"), paths.join(" "));
    assert.notEqual((await twice.lstat("/home")).dev, (await twice.lstat("/srv")).dev);
  });
});
