/**
 * End to end over the seeded Debian rootfs on real disks (fixtures/debian-disks.sh): GPT with ESP,
 * /boot, / and /home on their own partitions; MBR with an XFS root and /var on a logical partition;
 * root and /home on LVM LVs. For each layout the assembled OS view walks the same as the source tree
 * (every file hashed once, on the raw disk); every container's virtual disk is byte-identical to
 * the raw disk, and a scan of each gives exactly the seeded directory's findings. Disk-only rules:
 * HVM bootability (ARC-2), LUKS (ARC-6), and a disk with two OS roots.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { openDiskImage } from "../src/container/disk/container.js";
import { DirectoryTree } from "../src/fs/directory.js";
import { Image } from "../src/fs/image.js";
import type { ScanResult } from "../src/policy/result.js";
import { scan } from "../src/scan/session.js";
import { openTarget } from "../src/target/open.js";
import { REPO_ROOT } from "./support/trees.js";
import { compareImages } from "./support/walk-compare.js";

const NOW = new Date("2026-03-01T00:00:00Z");
const CONTAINERS = ["-sparse.vmdk", "-stream.vmdk", "-dynamic.vhd", ".vhdx", ".qcow2", "-compressed.qcow2"];

/**
 * What mkfs cannot carry over or the disk adds by design, left out of the walk comparison:
 * lost+found of every ext4 (mkfs makes it), and the ESP under /boot/efi (vfat has no modes or
 * owners; its loader's bytes are checked on their own).
 */
const LAYOUTS = [
  {
    name: "gpt",
    root: "partition 4 (ext4)",
    ignore: ["/lost+found", "/boot/lost+found", "/home/lost+found", "/boot/efi"],
  },
  { name: "mbr", root: "partition 1 (xfs)", ignore: ["/var/lost+found"] },
  { name: "lvm", root: "LV debvg/root (ext4)", ignore: ["/lost+found", "/home/lost+found", "/boot/efi"] },
] as const;

let dir: string;
let seededDir: string;
let seeded: ScanResult;

async function scanFile(input: string): Promise<ScanResult> {
  const t = await openTarget(input);
  try {
    return await scan({ input, kind: t.kind, description: t.description, notes: t.notes }, t.roots, {
      now: NOW,
    });
  } finally {
    await t.close();
  }
}

/** A finding without what depends on where the root sits. */
const normalised = (r: Pick<ScanResult, "findings">) =>
  r.findings.map((f) =>
    JSON.stringify([f.rule, f.clauses, f.severity, f.path, f.line, f.message, f.evidence]),
  );

/** The first offset where the container's virtual disk and the raw file differ, or undefined. */
async function firstDifference(container: string, raw: string): Promise<number | undefined> {
  const disk = await openDiskImage(container);
  const file = await fsp.open(raw, "r");
  try {
    const { size } = await file.stat();
    assert.equal(disk.source.size, size, `${container}: virtual size`);
    const chunk = 4 << 20;
    const expected = Buffer.alloc(chunk);
    for (let at = 0; at < size; at += chunk) {
      const n = Math.min(chunk, size - at);
      await file.read(expected, 0, n, at);
      const got = await disk.source.read(at, n);
      if (!got.equals(expected.subarray(0, n))) return at;
    }
    return undefined;
  } finally {
    await file.close();
    await disk.source.close();
  }
}

before(async () => {
  dir = execFileSync("bash", [path.join(REPO_ROOT, "fixtures/debian-disks.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  })
    .trim()
    .split("\n")
    .pop()!;
  seededDir = execFileSync("bash", [path.join(REPO_ROOT, "fixtures/debian-seeded.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  })
    .trim()
    .split("\n")[0]!;
  seeded = await scanFile(seededDir);
  // The seeded tree's own findings: the baseline every disk must reproduce.
  const rules = new Set(seeded.findings.map((f) => f.rule));
  for (const r of [
    "ssh-password-auth",
    "password-hash-login-user",
    "authorized-keys-present",
    "aws-credentials",
  ])
    assert.ok(rules.has(r), r);
});

for (const layout of LAYOUTS) {
  describe(`the seeded Debian on ${layout.name}.raw`, () => {
    const raw = () => path.join(dir, `${layout.name}.raw`);

    it("assembles one OS root whose walk equals the source tree (types, modes, owners, sizes, targets, SHA-256)", async () => {
      const t = await openTarget(raw());
      try {
        assert.deepEqual(
          t.roots.map((r) => r.root),
          [layout.root],
        );
        const source = new Image(new DirectoryTree(path.join(dir, "trees", layout.name)));
        const { differences, summary } = await compareImages(t.roots[0]!.image, source, {
          ignore: [...layout.ignore],
        });
        assert.deepEqual(differences, []);
        assert.ok(summary.files > 8000 && summary.bytesHashed > 150e6, JSON.stringify(summary));
        // Files that live on the other partitions, seen through the fstab mounts.
        const image = t.roots[0]!.image;
        const keys = await image.readText("/home/admin/.ssh/authorized_keys", 4096);
        assert.match(keys, /packer@build/);
        assert.ok(await image.statIfExists("/var/lib/dpkg/status"));
        if (layout.name !== "mbr")
          assert.equal(
            await image.readText("/boot/efi/EFI/BOOT/BOOTX64.EFI", 4096),
            "MZ amigate test EFI loader\n",
          );
        if (layout.name === "gpt")
          assert.equal(await image.readText("/boot/grub/grub.cfg", 4096), "set timeout=1\n");
      } finally {
        await t.close();
      }
    });

    it("scan: the seeded directory's findings, and the disk boots as HVM", async () => {
      const r = await scanFile(raw());
      assert.equal(r.target.kind, "disk");
      assert.deepEqual(normalised(r), normalised(seeded));
      assert.deepEqual(r.unknowns, seeded.unknowns);
      assert.ok(r.findings.every((f) => f.root === layout.root));
      assert.equal(r.passed, false);
    });

    for (const ext of CONTAINERS) {
      it(`${layout.name}${ext}: the same virtual disk bytes as the raw disk, and the same findings`, async () => {
        const file = path.join(dir, `${layout.name}${ext}`);
        assert.equal(await firstDifference(file, raw()), undefined);
        const r = await scanFile(file);
        assert.deepEqual(normalised(r), normalised(seeded));
        assert.deepEqual(
          r.roots.map((x) => x.root),
          [layout.root],
        );
      });
    }
  });
}

describe("disk-only rules", () => {
  it("a GPT disk with neither an ESP nor boot code is not HVM-bootable (ARC-2)", async () => {
    const r = await scanFile(path.join(dir, "noboot.raw"));
    const extra = r.findings.filter((f) => f.rule === "not-hvm-bootable");
    assert.deepEqual(
      extra.map((f) => [f.clauses, f.severity, f.message, f.root]),
      [
        [
          ["ARC-2"],
          "high",
          "no MBR boot code and no EFI system partition (partition table: gpt)",
          "partition 1 (ext4)",
        ],
      ],
    );
    assert.deepEqual(
      normalised({ findings: r.findings.filter((f) => f.rule !== "not-hvm-bootable") }),
      normalised(seeded),
    );
  });

  it("a LUKS partition is an encrypted filesystem (ARC-6); the rest is the seeded findings", async () => {
    const r = await scanFile(path.join(dir, "luks.raw"));
    const luks = r.findings.filter((f) => f.rule === "encrypted-filesystem");
    assert.equal(luks.length, 1);
    assert.deepEqual(luks[0]!.clauses, ["ARC-6"]);
    assert.match(luks[0]!.message, /partition 3/);
    assert.match(luks[0]!.message, /LUKS/i);
    assert.deepEqual(
      normalised({ findings: r.findings.filter((f) => f.rule !== "encrypted-filesystem") }),
      normalised(seeded),
    );
    assert.ok(r.target.notes.some((n) => /partition 3 is LUKS/.test(n)));
  });

  it("a disk with two OS roots reports both, each with its own findings", async () => {
    const r = await scanFile(path.join(dir, "tworoots.raw"));
    assert.deepEqual(
      r.roots.map((x) => [x.root, x.os.id, x.os.version]),
      [
        ["partition 2 (ext4)", "debian", "12"],
        ["partition 3 (ext4)", "debian", "12"],
      ],
    );
    const of = (root: string) => ({ findings: r.findings.filter((f) => f.root === root) });
    assert.deepEqual(normalised(of("partition 2 (ext4)")), normalised(seeded));
    // The clean Debian: only what the environment gives every root (e.g. no vulnerability DB).
    const clean = await scanFile(
      execFileSync("bash", [path.join(REPO_ROOT, "fixtures/debian-rootfs.sh")], { encoding: "utf8" })
        .trim()
        .split("\n")
        .pop()!,
    );
    assert.deepEqual(normalised(of("partition 3 (ext4)")), normalised(clean));
    assert.ok(!normalised(of("partition 3 (ext4)")).some((f) => f.includes("ssh-password-auth")));
    assert.equal(r.findings.length, seeded.findings.length + clean.findings.length);
  });
});

describe("amigate scan (the CLI in a child process) on a streamOptimized VMDK", () => {
  it("exits 1 and prints a JSON report with the seeded findings", () => {
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        import.meta.resolve("tsx"),
        path.join(REPO_ROOT, "src/cli/main.ts"),
        "scan",
        "--format",
        "json",
        "--as-of",
        "2026-03-01",
        path.join(dir, "gpt-stream.vmdk"),
      ],
      { encoding: "utf8", timeout: 300_000, maxBuffer: 64 << 20 },
    );
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout) as ScanResult;
    assert.equal(report.target.kind, "disk");
    assert.match(report.target.description, /vmdk streamOptimized/);
    assert.deepEqual(normalised(report), normalised(seeded));
    assert.equal(r.stderr, "");
  });
});

describe("an OVA of the streamOptimized VMDK (the CLI in a child process)", () => {
  const cli = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ["--import", import.meta.resolve("tsx"), path.join(REPO_ROOT, "src/cli/main.ts"), ...args],
      { encoding: "utf8", timeout: 300_000, maxBuffer: 64 << 20 },
    );
  let work: string;
  let ova: string;
  before(async () => {
    work = await fsp.mkdtemp(path.join(os.tmpdir(), "amigate-ova-"));
    ova = path.join(work, "debian.ova");
    await fsp.writeFile(
      path.join(work, "debian.ovf"),
      '<?xml version="1.0"?>\n<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"><References><File href="gpt-stream.vmdk" id="file1"/></References></Envelope>\n',
    );
    execFileSync("tar", [
      "--format=ustar",
      "-cf",
      ova,
      "-C",
      work,
      "debian.ovf",
      "-C",
      dir,
      "gpt-stream.vmdk",
    ]);
  });
  after(() => fsp.rm(work, { recursive: true, force: true }));

  it("scan: exactly the VMDK's findings, from the disk's root named by its member, and no gap", () => {
    const r = cli("scan", "--format", "json", "--as-of", "2026-03-01", ova);
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout) as ScanResult;
    assert.equal(report.target.kind, "archive");
    assert.match(
      report.target.description,
      /^OVA, tar archive .* holding gpt-stream\.vmdk: vmdk streamOptimized/,
    );
    assert.deepEqual(normalised(report), normalised(seeded));
    assert.ok(report.findings.every((f) => f.root === "gpt-stream.vmdk: partition 4 (ext4)"));
  });

  it("the same disk in an OVF package's folder: the VMDK's findings; fix --yes refused (exit 2), the folder untouched", async () => {
    const folder = path.join(work, "package");
    await fsp.mkdir(folder);
    await fsp.copyFile(path.join(work, "debian.ovf"), path.join(folder, "debian.ovf"));
    // A hard link where the file system allows it: the fixture is 97 MB.
    await fsp
      .link(path.join(dir, "gpt-stream.vmdk"), path.join(folder, "gpt-stream.vmdk"))
      .catch(() => fsp.copyFile(path.join(dir, "gpt-stream.vmdk"), path.join(folder, "gpt-stream.vmdk")));
    const r = cli("scan", "--format", "json", "--as-of", "2026-03-01", folder);
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout) as ScanResult;
    assert.equal(report.target.kind, "directory");
    assert.match(report.target.description, /^OVF package .* holding gpt-stream\.vmdk: vmdk streamOptimized/);
    assert.deepEqual(normalised(report), normalised(seeded));
    const fixed = cli("fix", "--yes", folder);
    assert.equal(fixed.status, 2);
    assert.match(fixed.stderr, /an OVF package \(a folder of disk images\) is only planned, never changed/);
    assert.deepEqual((await fsp.readdir(folder)).sort(), ["debian.ovf", "gpt-stream.vmdk"]);
  });

  it("fix: planned as the disk it holds; --yes is refused (exit 2) and nothing is written", async () => {
    const planOf = (target: string) => {
      const r = cli("fix", target);
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.replace(target, "TARGET");
    };
    const plan = planOf(ova);
    assert.match(plan, /16 change\(s\) by 7 operation\(s\)/);
    assert.equal(plan, planOf(path.join(dir, "gpt-stream.vmdk")));
    const out = path.join(work, "cleaned.ova");
    const r = cli("fix", "--yes", "-o", out, ova);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /an archive of disk images \(an OVA\) is only planned, never changed/);
    await assert.rejects(fsp.stat(out), /ENOENT/);
  });
});
