/**
 * Archives of disk images (an OVA: a tar of an OVF descriptor and its VMDKs; a raw disk in a
 * sparse tar, as Compute Engine exports one), made by the real tools: mkfs.ext4 -d, sgdisk,
 * qemu-img convert, GNU tar. Each disk's roots are the target's, a data disk is read under the OS
 * disk's root, and what cannot be read is a gap, never a pass.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { renderInspection } from "../../cli/inspect-text.js";
import { inspectTarget } from "../disk/target-summary.js";
import { openTarget } from "../open.js";
import { ovfDiskFiles } from "../ovf.js";
import type { OpenedTarget } from "../target.js";
import { MAX_DISK_CANDIDATES } from "./disks.js";
import { TarTree } from "./tree.js";

let dir: string;
const at = (...p: string[]) => path.join(dir, ...p);
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir, stdio: "ignore" });
/** An OVF descriptor naming `disks` (its content is not read: only the name tells an OVA). */
const ovf = (disks: string[]) =>
  `<?xml version="1.0"?>\n<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"><References>${disks
    .map((d, i) => `<File href="${d}" id="file${i}"/>`)
    .join("")}</References></Envelope>\n`;

/** An ext4 filesystem image of `files` (path → content), `mib` MiB, made by mkfs.ext4 -d. */
function ext4(name: string, files: Record<string, string>, mib = 16): string {
  const src = at(`${name}.d`);
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(src, p)), { recursive: true });
    writeFileSync(path.join(src, p), content);
  }
  writeFileSync(at(`${name}.img`), "");
  truncateSync(at(`${name}.img`), mib << 20);
  run("mkfs.ext4", ["-q", "-F", "-d", src, at(`${name}.img`)]);
  return at(`${name}.img`);
}

const streamVmdk = (raw: string, out: string) =>
  run("qemu-img", ["convert", "-O", "vmdk", "-o", "subformat=streamOptimized", raw, at(out)]);

async function opened<T>(file: string, fn: (t: OpenedTarget) => Promise<T>): Promise<T> {
  const t = await openTarget(at(file));
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

const SECRET = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "amigate-archived-disks-"));
  ext4("os", { "etc/os-release": 'ID=debian\nVERSION_ID="12"\n', "root/.aws/credentials": SECRET });
  ext4("data", { "app/config.ini": SECRET });
  // The OS disk with a partition table, as an exported VM's disk has one.
  writeFileSync(at("os-gpt.raw"), "");
  truncateSync(at("os-gpt.raw"), 20 << 20);
  run("sgdisk", ["-n", "1:2048:+16M", "-t", "1:8300", at("os-gpt.raw")]);
  run("dd", [
    `if=${at("os.img")}`,
    `of=${at("os-gpt.raw")}`,
    "bs=1M",
    "seek=1",
    "conv=notrunc",
    "status=none",
  ]);
  streamVmdk(at("os-gpt.raw"), "disk1.vmdk");
  streamVmdk(at("data.img"), "disk2.vmdk");
  writeFileSync(at("one.ovf"), ovf(["disk1.vmdk"]));
  writeFileSync(at("two.ovf"), ovf(["disk1.vmdk", "disk2.vmdk"]));
  // The OVF descriptor comes first in an OVA (DSP0243 §5.3), then the disks in its order.
  run("tar", ["--format=ustar", "-cf", at("one.ova"), "one.ovf", "disk1.vmdk"]);
  // A member big enough to be tried as a disk that is none (a signing certificate, a README).
  writeFileSync(at("two.cert"), "-----BEGIN CERTIFICATE-----\n".padEnd(8192, "A"));
  run("tar", ["--format=ustar", "-cf", at("two.ova"), "two.ovf", "disk1.vmdk", "disk2.vmdk", "two.cert"]);
  run("tar", ["--format=ustar", "-cf", at("data-only.ova"), "disk2.vmdk"]);
  // A raw disk in a sparse GNU tar, compressed: the member's holes are no bytes of the archive.
  run("cp", ["--sparse=always", at("os-gpt.raw"), at("disk.raw")]);
  run("tar", ["--format=gnu", "-S", "--zstd", "-cf", at("sparse.tar.zst"), "disk.raw"]);
  // Cut inside the disk's data, as a copy that stopped.
  const whole = readFileSync(at("one.ova"));
  writeFileSync(at("cut.ova"), whole.subarray(0, 1024 + Math.floor((whole.length - 1024) / 2)));
  // A VMDK descriptor naming an extent: the archive gives no file by that path.
  writeFileSync(
    at("desc.vmdk"),
    `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\nRW 40960 FLAT "os-gpt-flat.vmdk" 0\n\nddb.adapterType = "lsilogic"\n${"#".repeat(4096)}\n`,
  );
  run("tar", ["--format=ustar", "-cf", at("desc.ova"), "desc.vmdk"]);
  // The extent it names does exist beside the archive: a member must never reach outside it.
  run("cp", [at("os-gpt.raw"), at("os-gpt-flat.vmdk")]);
  // More files than are tried as disks: a disk first (read), then one past the bound (not tried).
  mkdirSync(at("many"));
  run("cp", [at("disk1.vmdk"), at("many", "a-disk1.vmdk")]);
  for (let i = 0; i < MAX_DISK_CANDIDATES + 2; i++)
    writeFileSync(at("many", `f${String(i).padStart(3, "0")}.bin`), Buffer.alloc(8192, i));
  run("tar", ["--format=ustar", "--sort=name", "-C", at("many"), "-cf", at("many.tar"), "."]);
});

after(() => (process.env.KEEP ? console.log("kept", dir) : rmSync(dir, { recursive: true, force: true })));

describe("an archive of disk images", () => {
  it("an OVA: the VMDK's OS root is the target's root, named by the member; the descriptor is noted as not scanned", async () => {
    await opened("one.ova", async (t) => {
      assert.equal(t.kind, "archive");
      assert.deepEqual(
        t.roots.map((r) => r.root),
        ["disk1.vmdk: partition 1 (ext4)"],
      );
      assert.deepEqual(t.gaps, []);
      assert.equal(await t.roots[0]!.image.readText("/root/.aws/credentials", 4096), SECRET);
      assert.match(
        t.description,
        /^OVA, tar archive .* holding disk1\.vmdk: vmdk streamOptimized disk image \(gpt, 1 partitions\)$/,
      );
      assert.ok(
        t.notes.some((n) => /not scanned: one\.ovf/.test(n)),
        t.notes.join("\n"),
      );
      assert.deepEqual(
        t.disks?.map((d) => d.member),
        ["disk1.vmdk"],
      );
      assert.equal(t.roots[0]!.disk?.partitionTable, "gpt");
      // amigate inspect: each disk's layout under its member's name.
      const inspected = inspectTarget(t);
      assert.deepEqual(
        inspected.disks?.map((d) => [d.member, d.container?.format, d.partitions?.map((p) => p.filesystem)]),
        [["disk1.vmdk", "vmdk", ["ext4"]]],
      );
      assert.match(
        renderInspection(inspected),
        /\ndisk disk1\.vmdk:\n {2}container: vmdk streamOptimized.*\n {2}partition table: gpt/,
      );
    });
  });

  it("two disks: the data disk, with no OS root, is read under the OS disk's root and is no gap", async () => {
    // The caller's wrapper (the CLI's progress) sees each disk once, and no member that is no disk.
    const wrapped: string[] = [];
    const t0 = await openTarget(at("two.ova"), {
      wrapDiskSource: (s) => {
        wrapped.push(s.description);
        return s;
      },
    });
    await t0.close();
    assert.equal(wrapped.length, 2, wrapped.join(", "));
    await opened("two.ova", async (t) => {
      assert.deepEqual(
        t.roots.map((r) => r.root),
        ["disk1.vmdk: partition 1 (ext4)"],
      );
      assert.deepEqual(t.gaps, []);
      const image = t.roots[0]!.image;
      const top = (await image.readdir("/")).map((e) => e.name);
      const mount = "disk2.vmdk whole disk (ext4, not mounted)";
      assert.ok(top.includes(mount), top.join(", "));
      assert.equal(await image.readText(`/${mount}/app/config.ini`, 4096), SECRET);
      assert.ok(await image.statIfExists("/etc/os-release"));
    });
  });

  it("a data disk alone stays a gap: no OS root anywhere fails closed", async () => {
    await opened("data-only.ova", async (t) => {
      assert.deepEqual(t.roots, []);
      assert.deepEqual(
        t.gaps.map((g) => g.where),
        ["disk2.vmdk: the disk"],
      );
    });
  });

  it("a raw disk in a sparse, zstd-compressed GNU tar reads as the raw file does, holes as zeros", async () => {
    const tree = await TarTree.open(at("sparse.tar.zst"));
    try {
      const source = tree.memberSource("/disk.raw");
      const raw = readFileSync(at("os-gpt.raw"));
      assert.equal(source.size, raw.length);
      assert.equal(source.hostFile, undefined, "a sparse member is not one run of the store");
      for (const [offset, length] of [
        [0, 4096],
        [(1 << 20) - 100, 5000],
        [raw.length - 7000, 7000],
        [0, raw.length],
      ] as const)
        assert.ok(
          (await source.read(offset, length)).equals(raw.subarray(offset, offset + length)),
          `${offset}+${length}`,
        );
      await assert.rejects(source.read(raw.length - 10, 20), /ImageFormatError|past|within/);
    } finally {
      await tree.close();
    }
    await opened("sparse.tar.zst", async (t) => {
      assert.deepEqual(
        t.roots.map((r) => r.root),
        ["disk.raw: partition 1 (ext4)"],
      );
      assert.equal(await t.roots[0]!.image.readText("/root/.aws/credentials", 4096), SECRET);
    });
  });

  it("a plain member is a slice of the archive another thread can read (hostFile at the member's data)", async () => {
    const tree = await TarTree.open(at("one.ova"));
    try {
      const source = tree.memberSource("/disk1.vmdk");
      const vmdk = readFileSync(at("disk1.vmdk"));
      assert.ok(source.hostFile);
      const ova = readFileSync(at("one.ova"));
      const off = source.hostFile.offset;
      assert.ok(ova.subarray(off, off + vmdk.length).equals(vmdk));
      assert.ok((await source.read(0, vmdk.length)).equals(vmdk));
    } finally {
      await tree.close();
    }
  });

  it("a truncated OVA: the cut disk is a gap naming it, not an error and not a pass", async () => {
    await opened("cut.ova", async (t) => {
      assert.deepEqual(t.roots, []);
      const gap = t.gaps.find((g) => g.where === "disk1.vmdk");
      assert.ok(gap, JSON.stringify(t.gaps));
      assert.match(gap.reason, /could not be read: .*ends inside/);
    });
  });

  it("a VMDK descriptor naming an extent is a gap, even when a file of that name lies beside the archive", async () => {
    await opened("desc.ova", async (t) => {
      assert.deepEqual(t.roots, []);
      assert.deepEqual(
        t.gaps.map((g) => g.where),
        ["desc.vmdk"],
      );
      assert.match(t.gaps[0]!.reason, /os-gpt-flat\.vmdk/);
    });
  });

  it(`past ${MAX_DISK_CANDIDATES} candidate files the rest are not tried, and that is a gap`, async () => {
    await opened("many.tar", async (t) => {
      assert.deepEqual(
        t.roots.map((r) => r.root),
        ["a-disk1.vmdk: partition 1 (ext4)"],
      );
      assert.deepEqual(
        t.gaps.map((g) => [g.where, g.reason]),
        [
          [
            "the archive",
            `more than ${MAX_DISK_CANDIDATES} files could be disk images; only the first ${MAX_DISK_CANDIDATES} were tried`,
          ],
        ],
      );
    });
  });
});

describe("a folder that is an OVF package (ovftool, VirtualBox, Packer's virtualbox and vmware builders)", () => {
  /** A package folder holding `files` (copies of the fixtures) and an OVF naming `hrefs` as disks. */
  const pkg = (name: string, hrefs: string[], files: Record<string, string> = {}) => {
    const folder = at("pkg", name);
    mkdirSync(folder, { recursive: true });
    for (const [to, from] of Object.entries(files)) run("cp", [at(from), path.join(folder, to)]);
    const refs = hrefs.map((h, i) => `<File ovf:href="${h}" ovf:id="f${i}"/>`).join("");
    const disks = hrefs.map((_, i) => `<Disk ovf:diskId="d${i}" ovf:fileRef="f${i}"/>`).join("");
    writeFileSync(
      path.join(folder, `${name}.ovf`),
      `<?xml version="1.0"?>\n<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"><References>${refs}<File ovf:href="${name}.nvram" ovf:id="nv"/></References><DiskSection><Info>disks</Info>${disks}</DiskSection></Envelope>\n`,
    );
    return folder;
  };

  it("reads the disks its descriptor names (not the NVRAM it also lists) as the image", async () => {
    const folder = pkg("vm", ["disk1.vmdk", "disk2.vmdk"], {
      "disk1.vmdk": "disk1.vmdk",
      "disk2.vmdk": "disk2.vmdk",
    });
    const t = await openTarget(folder);
    try {
      assert.equal(t.kind, "directory");
      assert.deepEqual(
        t.roots.map((r) => r.root),
        ["disk1.vmdk: partition 1 (ext4)"],
      );
      assert.deepEqual(t.gaps, []);
      assert.deepEqual(
        t.disks?.map((d) => d.member),
        ["disk1.vmdk", "disk2.vmdk"],
      );
      const image = t.roots[0]!.image;
      assert.equal(await image.readText("/root/.aws/credentials", 4096), SECRET);
      assert.equal(
        await image.readText("/disk2.vmdk whole disk (ext4, not mounted)/app/config.ini", 4096),
        SECRET,
      );
      assert.ok(
        t.notes.some((n) => /not scanned: vm\.ovf/.test(n)),
        t.notes.join("\n"),
      );
    } finally {
      await t.close();
    }
  });

  it("never opens a disk outside its folder: '..', an absolute path, a symlink out, a URL are gaps", async () => {
    const outside = at("disk1.vmdk");
    const folder = pkg("hostile", [
      "../disk1.vmdk",
      outside,
      "link.vmdk",
      "http://example.com/disk.vmdk",
      "gone.vmdk",
    ]);
    symlinkSync(outside, path.join(folder, "link.vmdk"));
    const t = await openTarget(folder);
    try {
      assert.deepEqual(t.roots, []);
      assert.deepEqual(
        t.gaps.map((g) => g.where),
        ["../disk1.vmdk", outside, "link.vmdk", "http://example.com/disk.vmdk", "gone.vmdk"],
      );
      for (const g of t.gaps)
        assert.match(g.reason, /^a disk the OVF names that could not be read: .*refused/);
    } finally {
      await t.close();
    }
  });

  it("a folder with an OVF that names no disk keeps its no-OS-root gap", async () => {
    const folder = pkg("empty", []);
    const t = await openTarget(folder);
    try {
      assert.deepEqual(
        t.gaps.map((g) => g.where),
        ["the directory"],
      );
    } finally {
      await t.close();
    }
  });

  it("parses what the descriptor says: DiskSection's files, else every File; namespaces or none", () => {
    assert.deepEqual(
      ovfDiskFiles(
        '<Envelope><References><File href="a.vmdk" id="1"/><File href="b.iso" id="2"/></References><DiskSection><Disk fileRef="1"/></DiskSection></Envelope>',
      ),
      ["a.vmdk"],
    );
    assert.deepEqual(
      ovfDiskFiles(
        '<ovf:Envelope xmlns:ovf="x"><ovf:References><ovf:File ovf:href="only.vmdk"/></ovf:References></ovf:Envelope>',
      ),
      ["only.vmdk"],
    );
    assert.deepEqual(ovfDiskFiles("<Envelope/>"), []);
    assert.deepEqual(ovfDiskFiles("not xml at all"), []);
  });
});
