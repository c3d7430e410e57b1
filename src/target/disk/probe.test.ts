import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { sniffVolume } from "../../container/disk/sniff.js";
import { CORPUS_DISK, diskFixtures } from "../../container/disk/testing.js";
import { DirectoryTree } from "../../fs/directory.js";
import { TargetError } from "../../io/errors.js";
import { openTarget } from "../open.js";
import type { FilesystemReaders } from "./filesystems.js";
import { defaultFilesystemReaders } from "./filesystems.js";
import { openDiskTarget } from "./probe.js";

const dir = diskFixtures();
const labelToTree: Record<string, string> = {
  root: "groot",
  boot: "gboot",
  home: "ghome",
  mroot: "mroot",
  mvar: "mvar",
  msrv: "msrv",
  lroot: "lroot",
  lhome: "lhome",
  kroot: "kroot",
  bare: "kroot",
};

/**
 * Until the ext4 reader is merged, a stand-in opener maps each ext4 volume (found on the real
 * disk by its real superblock label) to the directory mkfs.ext4 -d built it from. With the real
 * reader present, the same tests run through it too.
 */
const standIn: FilesystemReaders = {
  ext4: async (source) => {
    const { label } = await sniffVolume(source);
    const tree = labelToTree[label ?? ""];
    assert.ok(tree, `known label ${label}`);
    return new DirectoryTree(path.join(dir, "trees", tree));
  },
};
const real = await defaultFilesystemReaders();
const readerSets: [string, FilesystemReaders][] = [["stand-in reader", standIn]];
if (real.ext4) readerSets.push(["ext4 reader", real]);

for (const [readerName, readers] of readerSets) {
  describe(`disk probe (${readerName})`, () => {
    it("GPT disk in every container: one root with /boot and /home mounted from fstab, LUKS noted", async () => {
      for (const file of [
        "gpt.raw",
        "gpt.qcow2",
        "gpt-stream.vmdk",
        "gpt.vhdx",
        "gpt-dynamic.vhd",
        "flat/gpt-flat.vmdk",
      ]) {
        const t = await openDiskTarget(path.join(dir, file), { readers });
        assert.ok(t, file);
        try {
          assert.equal(t.kind, "disk");
          assert.deepEqual(
            t.roots.map((r) => r.root),
            ["partition 3 (ext4)"],
          );
          const image = t.roots[0]?.image;
          assert.ok(image);
          assert.match(await image.readText("/etc/os-release"), /ID=debian/);
          assert.equal(await image.readText("/boot/amigate-volume"), "boot volume\n");
          assert.equal(await image.readText("/home/amigate-volume"), "home volume\n");
          assert.ok(
            t.notes.some((n) => /encrypted volume: partition 5 is LUKS/.test(n)),
            t.notes.join("\n"),
          );
          if (readers.vfat) assert.deepEqual(await image.readdir("/boot/efi"), [], "the empty ESP, mounted");
          else
            assert.ok(t.notes.some((n) => /^vfat reader pending: not read: partition 1 \(vfat\)$/.test(n)));
        } finally {
          await t.close();
        }
      }
    });
    it("MBR disk: logical partitions mounted by LABEL= and PARTUUID=", async () => {
      const t = await openDiskTarget(path.join(dir, "mbr-4k.qcow2"), { readers });
      assert.ok(t);
      assert.deepEqual(
        t.roots.map((r) => r.root),
        ["partition 1 (ext4)"],
      );
      const image = t.roots[0]?.image;
      assert.equal(await image?.readText("/var/amigate-volume"), "var volume\n");
      assert.equal(await image?.readText("/srv/amigate-volume"), "srv volume\n");
      assert.equal(t.layout.table.mbrBootCode, true);
      await t.close();
    });
    it("LVM disk: root LV with /dev/amivg/lv-home and /boot by UUID", {
      skip: !existsSync(path.join(dir, "lvm.qcow2")),
    }, async () => {
      const t = await openDiskTarget(path.join(dir, "lvm.qcow2"), { readers });
      assert.ok(t);
      assert.deepEqual(
        t.roots.map((r) => r.root),
        ["LV amivg/root (ext4)"],
      );
      const image = t.roots[0]?.image;
      assert.equal(await image?.readText("/home/amigate-volume"), "home volume\n");
      assert.equal(await image?.readText("/boot/amigate-volume"), "boot volume\n");
      await t.close();
    });
    it("4096-byte-sector GPT and a bare filesystem", async () => {
      for (const [file, root] of [
        ["gpt4k.raw", "partition 1 (ext4)"],
        ["bare.raw", "whole disk (ext4)"],
      ]) {
        const t = await openDiskTarget(path.join(dir, file as string), { readers });
        assert.deepEqual(
          t?.roots.map((r) => r.root),
          [root],
        );
        await t?.close();
      }
    });
  });
}

describe("openTarget through the probe list", () => {
  it("a 35-byte non-disk (corpus invalid.vmdk) is a TargetError", async () => {
    await assert.rejects(openTarget(path.join(CORPUS_DISK, "vmdk/invalid.vmdk")), TargetError);
  });
  it("the corpus encrypted qcow2 gives the encryption error", async () => {
    await assert.rejects(
      openTarget(path.join(CORPUS_DISK, "qcow2/valid-ext-exfat-fat32-ntfs-encrypted-legacy-aes.qcow2")),
      /encrypted qcow2 \(AES\/LUKS\) is not supported/,
    );
  });
  it("the corpus qcow2 opens as a disk; its ext4 partition has no OS root", async () => {
    const t = await openTarget(path.join(CORPUS_DISK, "qcow2/valid-ext-exfat-fat32-ntfs.qcow2"));
    assert.equal(t.kind, "disk");
    assert.equal(t.roots.length, 0);
    assert.ok(t.notes.some((n) => /no OS root/.test(n)));
    await t.close();
  });
});

describe("filesystems no root mounts", () => {
  it("are read under a top-level directory named for them, so their files are scanned", async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), "amigate-unmounted-"));
    const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: work, stdio: "ignore" });
    try {
      // A root whose fstab mounts only itself, a data partition, and a cloud-init seed (vfat).
      const root = path.join(work, "root");
      mkdirSync(path.join(root, "etc"), { recursive: true });
      writeFileSync(path.join(root, "etc/os-release"), 'ID=debian\nVERSION_ID="12"\n');
      writeFileSync(path.join(root, "etc/fstab"), "LABEL=root / ext4 defaults 0 1\n");
      mkdirSync(path.join(work, "data/notes"), { recursive: true });
      writeFileSync(path.join(work, "data/notes/aws.txt"), "aws_secret_access_key = x\n");
      writeFileSync(path.join(work, "user-data"), "#cloud-config\npassword: hunter2\n");
      for (const name of ["root", "data"]) {
        run("truncate", ["-s", "8M", `${name}.img`]);
        run("mkfs.ext4", ["-q", "-F", "-L", name, "-d", name, `${name}.img`]);
      }
      run("mkfs.vfat", ["-C", "-n", "CIDATA", "seed.img", "2048"]);
      run("mcopy", ["-i", "seed.img", "user-data", "::/user-data"]);
      run("truncate", ["-s", "24M", "disk.raw"]);
      run("sgdisk", ["-n", "1:2048:+8M", "-n", "2:0:+8M", "-n", "3:0:+2M", "disk.raw"]);
      const place = (file: string, sector: number) =>
        run("dd", [`if=${file}`, "of=disk.raw", "bs=512", `seek=${sector}`, "conv=notrunc", "status=none"]);
      place("root.img", 2048);
      place("data.img", 2048 + 16384);
      place("seed.img", 2048 + 2 * 16384);
      const t = await openDiskTarget(path.join(work, "disk.raw"), { readers: real });
      assert.ok(t);
      try {
        assert.deepEqual(
          t.roots.map((r) => r.root),
          ["partition 1 (ext4)"],
        );
        const image = t.roots[0]!.image;
        assert.equal(
          await image.readText("/partition 2 (ext4, not mounted)/notes/aws.txt"),
          "aws_secret_access_key = x\n",
        );
        const paths: string[] = [];
        for await (const e of image.walk("/")) paths.push(e.path);
        assert.ok(paths.includes("/partition 3 (vfat, not mounted)/user-data"), paths.join(" "));
        assert.ok(
          t.notes.some((n) => n.startsWith("partition 2 (ext4) is mounted by no root's fstab")),
          t.notes.join("\n"),
        );
      } finally {
        await t.close();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
