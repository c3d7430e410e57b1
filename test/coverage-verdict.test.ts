/**
 * Issue 13 §3: what could not be read never passes. Each crafted image is made here by real tools
 * (sgdisk, mkfs.btrfs, dd) from the cached disk fixtures; none is committed.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { diskFixtures } from "../src/container/disk/testing.js";
import type { ScanResult } from "../src/policy/result.js";
import { scan } from "../src/scan/session.js";
import { openTarget } from "../src/target/open.js";
import { REPO_ROOT } from "./support/trees.js";
import { buildWofVolume } from "./support/wof-volume.js";

const AS_OF = new Date("2026-03-01T00:00:00Z");
const fixtures = diskFixtures();
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "amigate-coverage-"));
after(() => fsp.rm(tmp, { recursive: true, force: true }));

async function scanOf(input: string): Promise<ScanResult> {
  const target = await openTarget(input);
  try {
    return await scan(
      { input, kind: target.kind, description: target.description, notes: target.notes, gaps: target.gaps },
      target.roots,
      { now: AS_OF },
    );
  } finally {
    await target.close();
  }
}

/** `amigate scan TARGET --format json` in a child process: the exit code is the contract. */
const cliScan = (target: string) =>
  spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(REPO_ROOT, "src/cli/main.ts"),
      "scan",
      target,
      "--no-progress",
      "--format",
      "json",
    ],
    { encoding: "utf8" },
  );

const incomplete = (r: ScanResult) =>
  r.findings.filter((f) => f.rule === "scan-incomplete").map((f) => `${f.path ?? ""}|${f.message}`);

/** A copy of a cached fixture to damage. */
async function copyOf(name: string): Promise<string> {
  const out = path.join(tmp, `${Math.random().toString(36).slice(2)}-${path.basename(name)}`);
  execFileSync("cp", ["--sparse=always", path.join(fixtures, name), out]);
  return out;
}

describe("coverage is a verdict", () => {
  it("a btrfs root in GPT holding cloud keys fails: no reader, no OS root (was: exit 0)", async () => {
    const tree = path.join(tmp, "btrfs-tree");
    await fsp.mkdir(path.join(tree, "root/.aws"), { recursive: true });
    await fsp.mkdir(path.join(tree, "etc"), { recursive: true });
    await fsp.writeFile(path.join(tree, "etc/os-release"), "ID=debian\nVERSION_ID=12\n");
    await fsp.writeFile(
      path.join(tree, "root/.aws/credentials"),
      "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    );
    const fs = path.join(tmp, "btrfs.img");
    execFileSync("truncate", ["-s", "128M", fs]);
    execFileSync("mkfs.btrfs", ["-q", "-f", "--rootdir", tree, fs], { stdio: "ignore" });
    const disk = path.join(tmp, "btrfs-gpt.raw");
    execFileSync("truncate", ["-s", "130M", disk]);
    execFileSync("sgdisk", ["-n", "1:2048:+128M", "-t", "1:8300", disk], { stdio: "ignore" });
    execFileSync("dd", [
      `if=${fs}`,
      `of=${disk}`,
      "bs=512",
      "seek=2048",
      "conv=notrunc,sparse",
      "status=none",
    ]);
    const r = await scanOf(disk);
    assert.equal(r.passed, false);
    assert.deepEqual(incomplete(r), [
      "|not read: partition 1: amigate has no reader for its btrfs filesystem",
      "|not read: the disk: no OS root found (no readable filesystem with /etc/os-release, /etc/fstab or Windows/System32)",
    ]);
    // The CLI's exit code says it too (was 0).
    const cli = cliScan(disk);
    assert.equal(cli.status, 1, cli.stderr);
  });

  it("an unreadable ext4 root (superblock damaged) fails", async () => {
    const disk = await copyOf("gpt.raw");
    // Partition 3 is the ext4 root at sector 26624: an absurd s_log_block_size (+24) makes it unreadable.
    const fd = await fsp.open(disk, "r+");
    const field = Buffer.alloc(4);
    field.writeUInt32LE(40);
    await fd.write(field, 0, 4, 26624 * 512 + 1024 + 24);
    await fd.close();
    const r = await scanOf(disk);
    assert.equal(r.passed, false);
    const gaps = incomplete(r);
    assert.ok(
      gaps.some((g) => g.startsWith("|not read: partition 3: its ext4 filesystem could not be read")),
      gaps.join("\n"),
    );
  });

  it("an XFS volume with a corrupted superblock field fails", async () => {
    const disk = path.join(tmp, "xfs.raw");
    execFileSync("truncate", ["-s", "320M", disk]);
    execFileSync("mkfs.xfs", ["-q", "-f", disk], { stdio: "ignore" });
    // sb_agcount (offset 88, big-endian) = 0: no allocation group, not a filesystem that can be read.
    const fd = await fsp.open(disk, "r+");
    await fd.write(Buffer.alloc(4), 0, 4, 88);
    await fd.close();
    const r = await scanOf(disk);
    assert.equal(r.passed, false);
    assert.ok(
      incomplete(r).some((g) => g.startsWith("|not read: whole disk: its xfs filesystem could not be read")),
      incomplete(r).join("\n"),
    );
  });

  it("LVM metadata that does not parse fails", async () => {
    const disk = await copyOf("lvm.raw");
    const bytes = await fsp.readFile(disk);
    // Every copy of the metadata text (LVM keeps more than one): "{" after the VG name becomes "(".
    const fd = await fsp.open(disk, "r+");
    for (let at = bytes.indexOf("amivg {"); at >= 0; at = bytes.indexOf("amivg {", at + 1))
      await fd.write(Buffer.from("amivg ("), 0, 7, at);
    await fd.close();
    const r = await scanOf(disk);
    assert.equal(r.passed, false, JSON.stringify(r.target.notes));
    assert.ok(
      incomplete(r).some((g) => g.startsWith("|not read: LVM: the volume group metadata could not be read")),
      incomplete(r).join("\n"),
    );
  });

  it("a tar whose entries climb out of the root fails with archive-unsafe-entry, through the CLI too", async () => {
    const archive = path.join(tmp, "climb.tar");
    execFileSync("python3", [
      "-c",
      `import tarfile, io
with tarfile.open(${JSON.stringify(archive)}, "w", format=tarfile.GNU_FORMAT) as t:
    for name, data in [("./etc/os-release", b"ID=debian\\nVERSION_ID=12\\n"), ("../evil", b"x"), ("/etc/cron.d/evil", b"y")]:
        info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))`,
    ]);
    const cli = cliScan(archive);
    assert.equal(cli.status, 1, cli.stderr);
    const report = JSON.parse(cli.stdout) as ScanResult;
    assert.equal(report.findings.filter((f) => f.rule === "archive-unsafe-entry").length, 2);
  });

  it("an empty directory fails", async () => {
    const dir = path.join(tmp, "empty");
    await fsp.mkdir(dir);
    const r = await scanOf(dir);
    assert.equal(r.passed, false);
    assert.deepEqual(incomplete(r), ["/|not read: the root is empty: there is nothing to judge"]);
  });

  it("a directory or a tar that is no OS root fails, naming the disk images it holds (an OVA passed, exit 0)", async () => {
    const folder = path.join(tmp, "not-a-root");
    await fsp.mkdir(path.join(folder, "exports"), { recursive: true });
    await fsp.writeFile(path.join(folder, "exports/app.env"), "DEBUG=1\n");
    await fsp.writeFile(path.join(folder, "server-disk1.vmdk"), "KDMV");
    const r = await scanOf(folder);
    assert.equal(r.passed, false);
    assert.deepEqual(incomplete(r), [
      "|not read: the directory: no OS root at the directory's top (no /etc/os-release, /etc/fstab or Windows/System32); it holds server-disk1.vmdk: a disk image is scanned as itself (amigate scan DISK)",
    ]);
    const ova = path.join(tmp, "server.ova");
    execFileSync("tar", ["-C", folder, "-cf", ova, "server-disk1.vmdk", "exports"]);
    const cli = cliScan(ova);
    assert.equal(cli.status, 1, cli.stderr);
    const report = JSON.parse(cli.stdout) as ScanResult;
    assert.match(
      incomplete(report).join("\n"),
      /the archive: no OS root .* it holds server-disk1\.vmdk, and no disk image amigate can open among them/,
    );
  });

  it("a directory it could not list and a file it could not read fail it, through the CLI too (were unknowns, exit 0)", async () => {
    // A root that passes but for cloud keys in /home/admin and /opt/app; then the same root with
    // that directory and that file flagged encrypted (fscrypt's flag, set with debugfs): their
    // bytes cannot be read without the key, so what they hold was judged by nothing.
    const tree = path.join(tmp, "fscrypt-tree");
    // Not AWS's documented example pair, which the scan knows and passes.
    const keys =
      "aws_access_key_id = AKIAQ3EGTYBWVMNXR4PL\naws_secret_access_key = 9dH2kLmQ7rTzXwV4bN8pYcA1sE6uJfG3hR5tK0oi\n";
    for (const [file, text] of [
      ["etc/os-release", 'ID=debian\nVERSION_ID="12"\n'],
      ["etc/passwd", "root:x:0:0:root:/root:/bin/bash\nadmin:x:1000:1000::/home/admin:/bin/bash\n"],
      ["etc/shadow", "root:*:19000:0:99999:7:::\nadmin:!:19000:0:99999:7:::\n"],
      ["home/admin/notes.txt", keys],
      ["opt/app/app.env", keys],
      ["opt/app/readme.txt", "nothing to see\n"],
    ]) {
      await fsp.mkdir(path.dirname(path.join(tree, file!)), { recursive: true });
      await fsp.writeFile(path.join(tree, file!), text!);
    }
    const plain = path.join(tmp, "fscrypt-plain.img");
    execFileSync("truncate", ["-s", "16M", plain]);
    execFileSync("mkfs.ext4", ["-q", "-F", "-O", "encrypt", "-d", tree, plain], { stdio: "ignore" });
    const locked = path.join(tmp, "fscrypt-locked.img");
    execFileSync("cp", [plain, locked]);
    for (const p of ["/home/admin", "/opt/app/app.env"])
      execFileSync("debugfs", ["-w", "-R", `sif ${p} flags 0x80800`, locked], { stdio: "ignore" });

    const before = await scanOf(plain);
    assert.deepEqual(incomplete(before), []);
    assert.deepEqual(
      [...new Set(before.findings.filter((f) => f.severity === "critical").map((f) => f.path))].sort(),
      ["/home/admin/notes.txt", "/opt/app/app.env"],
    );

    const r = await scanOf(locked);
    assert.equal(r.passed, false);
    assert.deepEqual(incomplete(r), [
      "/home/admin|not read: /home/admin could not be read: encrypted (fscrypt) without its key",
      "/opt/app/app.env|not read: /opt/app/app.env could not be read: encrypted (fscrypt) without its key",
    ]);
    // Neither key is found now: the gaps are what fails the scan.
    assert.deepEqual(
      r.findings.filter((f) => f.severity === "critical").map((f) => f.rule),
      [],
    );
    // The readable file beside the locked one was read as before.
    assert.ok(!r.unknowns.some((u) => u.path === "/opt/app/readme.txt"));
    const cli = cliScan(locked);
    assert.equal(cli.status, 1, cli.stderr);
  });

  it("Windows files compressed by WOF are scanned; what cannot be decoded fails the scan (were zeros, passing)", async () => {
    const work = path.join(tmp, "wof");
    await fsp.mkdir(work);
    const { volume } = buildWofVolume(work);
    const r = await scanOf(volume);
    assert.deepEqual(
      r.findings.filter((f) => f.rule === "aws-credentials").map((f) => f.path),
      [
        "/app/lzx.txt",
        "/app/lzx.txt",
        "/app/mixed.txt",
        "/app/mixed.txt",
        "/app/settings.txt",
        "/app/settings.txt",
      ],
    );
    assert.deepEqual(
      incomplete(r).map((g) => g.slice(0, g.indexOf("|"))),
      ["/app/broken.txt", "/app/dedup.txt", "/app/wimboot.txt"],
    );
    assert.ok(incomplete(r).some((g) => g.endsWith("(its bytes are in a WIM file (WIMBoot), not read)")));
  });

  it("readable disks with boot, swap, extended, LUKS and LVM volumes report no gap", async () => {
    for (const name of ["gpt.raw", "mbr.raw", "lvm.raw", "gpt.qcow2"]) {
      const r = await scanOf(path.join(fixtures, name));
      assert.deepEqual(incomplete(r), [], name);
    }
  });
});
