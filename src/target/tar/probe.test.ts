import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { FsError, TargetError } from "../../io/errors.js";
import { openTarget } from "../open.js";
import { programOnPath } from "./decompress.js";
import { tarNotes } from "./probe.js";
import { evilArchive } from "./testing.js";
import { TarTree } from "./tree.js";

describe("openTarget recognises tar archives by their bytes", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "amigate-tarprobe-"));
    mkdirSync(path.join(dir, "root/etc"), { recursive: true });
    writeFileSync(path.join(dir, "root/etc/hostname"), "probe\n");
    writeFileSync(path.join(dir, "root/etc/os-release"), "ID=debian\n");
    const tar = (args: string[]) => execFileSync("tar", ["-C", path.join(dir, "root"), ...args, "."]);
    tar(["-cf", path.join(dir, "plain.bin")]);
    tar(["-czf", path.join(dir, "gz.bin")]);
    tar(["-cJf", path.join(dir, "xz.bin")]);
    tar(["--zstd", "-cf", path.join(dir, "zst.bin")]);
    tar(["--format=v7", "-cf", path.join(dir, "v7.bin")]);
    // A first member of incompressible bytes: zstd stores it in blocks of 128 KiB, longer than the
    // 64 KiB head the probes read (the kernel and initrd at the start of a rootfs tar do the same).
    writeFileSync(path.join(dir, "root/aaa-random"), randomBytes(600_000));
    const first = ["./aaa-random", "./etc"];
    execFileSync("bash", [
      "-c",
      `tar -C ${path.join(dir, "root")} -cf - ${first.join(" ")} | zstd -q -3 > ${path.join(dir, "zst-random-first.bin")}`,
    ]);
    // pzstd writes a skippable frame (the next frame's size) before each zstd frame.
    if (programOnPath("pzstd"))
      execFileSync("bash", [
        "-c",
        `tar -C ${path.join(dir, "root")} -cf - . | pzstd -q -p 2 -c > ${path.join(dir, "pzstd.bin")}`,
      ]);
    writeFileSync(path.join(dir, "text.txt"), "not an archive\n".repeat(100));
    execFileSync("bash", ["-c", `head -c 4096 /dev/urandom | gzip > ${path.join(dir, "random.gz")}`]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const name of [
    "plain.bin",
    "gz.bin",
    "xz.bin",
    "zst.bin",
    "v7.bin",
    "zst-random-first.bin",
    "pzstd.bin",
  ]) {
    it(`${name} (names say nothing) opens as an archive with one root`, {
      skip: name === "pzstd.bin" && !programOnPath("pzstd"),
    }, async () => {
      const target = await openTarget(path.join(dir, name));
      try {
        assert.equal(target.kind, "archive");
        assert.deepEqual(
          target.roots.map((r) => r.root),
          ["/"],
        );
        assert.equal(await target.roots[0]!.image.readText("/etc/hostname"), "probe\n");
        assert.deepEqual(target.notes, []);
      } finally {
        await target.close();
      }
    });
  }

  it("reports entries extracted outside the root as findings of archive-unsafe-entry, not notes", async () => {
    const file = path.join(dir, "evil.bin");
    writeFileSync(file, await evilArchive());
    const target = await openTarget(file);
    try {
      // etc/hostname is all it holds inside its root.
      assert.deepEqual(target.notes, [
        "no OS root at the archive's top (no /etc/os-release, /etc/fstab or Windows/System32)",
      ]);
      // The rule's message renders them (archive-unsafe-entry.test.ts checks the text).
      assert.deepEqual(target.findings, [
        {
          rule: "archive-unsafe-entry",
          messageId: "entryOutside",
          data: { entry: "../evil", reason: "'..' component" },
        },
        {
          rule: "archive-unsafe-entry",
          messageId: "entryOutside",
          data: { entry: "/etc/evil", reason: "absolute name" },
        },
      ]);
    } finally {
      await target.close();
    }
  });

  it("opens a truncated archive with what precedes the damage, and says so", async () => {
    const whole = readFileSync(path.join(dir, "plain.bin"));
    const hostname = whole.indexOf("probe\n");
    const cut = path.join(dir, "cut.bin");
    writeFileSync(cut, whole.subarray(0, hostname + 2));
    const target = await openTarget(cut);
    try {
      assert.equal((await target.roots[0]!.image.stat("/etc")).type, "directory");
      await assert.rejects(
        target.roots[0]!.image.readText("/etc/hostname"),
        (e) => e instanceof FsError && e.code === "EIO",
      );
      // The damage, and (when etc/os-release came after it in the archive) no OS root.
      const damage = target.notes.filter((n) => !n.startsWith("no OS root"));
      assert.equal(damage.length, 1);
      assert.match(damage[0]!, new RegExp(`damaged archive.*tar entry data at offset ${hostname}`));
    } finally {
      await target.close();
    }
  });

  it("an archive that is no OS root (a folder's tar, an OVA) is a gap: it must not pass for holding nothing", async () => {
    const folder = path.join(dir, "folder");
    mkdirSync(path.join(folder, "docs"), { recursive: true });
    writeFileSync(path.join(folder, "docs/readme.txt"), "hello\n");
    execFileSync("tar", ["-C", folder, "-cf", path.join(dir, "folder.tar"), "."]);
    // An OVA: a plain tar of an OVF descriptor and its disk (here 64 KiB of zeros: no disk at all).
    const ova = path.join(dir, "ova");
    mkdirSync(ova);
    writeFileSync(path.join(ova, "vm.ovf"), '<?xml version="1.0"?><Envelope/>\n');
    writeFileSync(path.join(ova, "vm-disk1.vmdk"), Buffer.alloc(64 * 1024));
    execFileSync("tar", ["-C", ova, "-cf", path.join(dir, "vm.ova"), "vm.ovf", "vm-disk1.vmdk"]);
    const gapsOf = async (name: string) => {
      const target = await openTarget(path.join(dir, name));
      try {
        assert.equal(target.kind, "archive");
        assert.deepEqual(
          target.notes,
          target.gaps.map((g) => g.reason),
        );
        return target.gaps;
      } finally {
        await target.close();
      }
    };
    const folderGaps = await gapsOf("folder.tar");
    assert.equal(folderGaps.length, 1);
    assert.equal(folderGaps[0]!.where, "the archive");
    assert.equal(
      folderGaps[0]!.reason,
      "no OS root at the archive's top (no /etc/os-release, /etc/fstab or Windows/System32)",
    );
    const ovaGaps = await gapsOf("vm.ova");
    assert.equal(ovaGaps.length, 1);
    assert.match(
      ovaGaps[0]!.reason,
      /^no OS root at the archive's top .*; it holds vm-disk1\.vmdk, vm\.ovf, and no disk image amigate can open among them/,
    );
  });

  it("does not claim text or gzip-wrapped garbage", async () => {
    for (const name of ["text.txt", "random.gz"])
      await assert.rejects(
        openTarget(path.join(dir, name)),
        (e) => e instanceof TargetError && /unrecognised/.test(e.message),
      );
  });
});

describe("the notes a tar scan carries", () => {
  it("say how many entries the index holds and where the rest begins", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-tarnotes-"));
    try {
      mkdirSync(path.join(dir, "root"));
      for (let i = 0; i < 30; i++) writeFileSync(path.join(dir, `root/f${i}`), "");
      execFileSync("tar", ["-C", path.join(dir, "root"), "-cf", path.join(dir, "many.tar"), "."]);
      const tree = await TarTree.open(path.join(dir, "many.tar"), { partial: true, maxEntries: 10 });
      try {
        assert.deepEqual(tarNotes(tree), [
          "the archive has more entries than amigate indexes (at most 10 entries); only those before offset 5120 are scanned",
        ]);
      } finally {
        await tree.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
