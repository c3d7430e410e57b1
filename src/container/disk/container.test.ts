import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { hostRunsOf } from "../../io/bytes.js";
import { ImageFormatError, TargetError } from "../../io/errors.js";
import { readHostRuns } from "../../io/host-read.js";
import { openDiskImage } from "./container.js";
import { CORPUS_DISK, diskFixtures, hashFile, hashSource } from "./testing.js";

const dir = diskFixtures();
const raw = path.join(dir, "gpt.raw");
const rawHash = await hashFile(raw);
const rawSize = (await fsp.stat(raw)).size;

describe("containers read back the raw disk byte for byte", () => {
  const cases: [string, string, RegExp][] = [
    ["gpt.raw", "raw", /^raw$/],
    ["gpt-sparse.vmdk", "vmdk", /monolithicSparse/],
    ["gpt-stream.vmdk", "vmdk", /streamOptimized/],
    ["flat/gpt-flat.vmdk", "vmdk", /monolithicFlat/],
    ["split/gpt-split.vmdk", "vmdk", /twoGbMaxExtentSparse/],
    ["gpt-dynamic.vhd", "vhd", /dynamic/],
    ["gpt-fixed.vhd", "vhd", /fixed/],
    ["gpt.vhdx", "vhdx", /8 MiB blocks/],
    ["gpt-1m.vhdx", "vhdx", /1 MiB blocks/],
    ["gpt.qcow2", "qcow2", /v3/],
    ["gpt-compressed.qcow2", "qcow2", /v3/],
    ["gpt-v2.qcow2", "qcow2", /v2/],
  ];
  for (const [file, format, detail] of cases) {
    it(file, async () => {
      const disk = await openDiskImage(path.join(dir, file));
      try {
        assert.equal(disk.format, format);
        assert.match(disk.detail, detail);
        assert.equal(disk.source.size, rawSize);
        assert.equal(await hashSource(disk.source), rawHash);
        // An unaligned read across unit boundaries equals the raw bytes there.
        const fh = await fsp.open(raw);
        const want = Buffer.alloc(70000);
        await fh.read(want, 0, 70000, 26624 * 512 - 1234);
        await fh.close();
        assert.deepEqual(await disk.source.read(26624 * 512 - 1234, 70000), want);
        await assert.rejects(disk.source.read(rawSize - 10, 20), ImageFormatError);
        // Reading into a caller's buffer (the content pass and file reads do) gives the same bytes,
        // zeros included: the one buffer is reused dirty from read to read.
        assert.ok(disk.source.readInto, "every container reads into a caller's buffer");
        if (disk.source.readInto) {
          const into = Buffer.alloc(70000, 0xa5);
          await disk.source.readInto(26624 * 512 - 1234, into);
          assert.deepEqual(into, want);
          const h = createHash("sha256");
          const piece = Buffer.alloc(1 << 20);
          for (let at = 0; at < rawSize; at += piece.length) {
            const target = piece.subarray(0, Math.min(piece.length, rawSize - at));
            target.fill(0xa5);
            await disk.source.readInto(at, target);
            h.update(target);
          }
          assert.equal(h.digest("hex"), rawHash);
          await assert.rejects(disk.source.readInto(rawSize - 10, Buffer.alloc(20)), ImageFormatError);
        }
      } finally {
        await disk.source.close();
      }
    });
  }
  it("where the disk's bytes lie in the image file as they are, its host runs hold the raw disk's bytes", async () => {
    const mapped: string[] = [];
    for (const [file] of [...cases, ["mbr-4k.qcow2"]]) {
      const disk = await openDiskImage(path.join(dir, file!));
      try {
        const whole = await hostRunsOf(disk.source, [0, disk.source.size]);
        if (!whole) continue;
        mapped.push(file!);
        // In unaligned pieces, as a thread reads a file's runs: each piece's runs hold its bytes.
        const h = createHash("sha256");
        const piece = 3 * 65536 + 4321;
        for (let at = 0; at < disk.source.size; at += piece) {
          const n = Math.min(piece, disk.source.size - at);
          const runs = (await hostRunsOf(disk.source, [at, n]))!;
          const bytes = Buffer.alloc(n);
          readHostRuns(runs.fd, runs.runs, 0, bytes, file!, runs.packed);
          h.update(bytes);
        }
        const want = file === "mbr-4k.qcow2" ? await hashFile(path.join(dir, "mbr.raw")) : rawHash;
        assert.equal(h.digest("hex"), want, file);
        // Unallocated clusters, grains and blocks are runs of zeros, not reads; compressed ones are
        // packed runs, each with its triple.
        if (disk.source.hostMap) assert.ok(whole.runs.includes(-1), file);
        const packedRuns = whole.runs.filter((at, i) => i % 2 === 0 && at <= -2).length;
        assert.equal(packedRuns > 0, /compressed|stream/.test(file!), file);
        assert.equal(whole.packed?.units.length ?? 0, packedRuns * 3, file);
      } finally {
        await disk.source.close();
      }
    }
    // Compressed clusters and grains (gpt-compressed.qcow2, gpt-stream.vmdk) are packed runs, which
    // the thread inflates. The split VMDK's disk fits in one extent file (a disk of several is not
    // mapped: a thread gets one fd).
    assert.deepEqual(mapped.sort(), [
      "flat/gpt-flat.vmdk",
      "gpt-1m.vhdx",
      "gpt-compressed.qcow2",
      "gpt-dynamic.vhd",
      "gpt-fixed.vhd",
      "gpt-sparse.vmdk",
      "gpt-stream.vmdk",
      "gpt-v2.qcow2",
      "gpt.qcow2",
      "gpt.raw",
      "gpt.vhdx",
      "mbr-4k.qcow2",
      "split/gpt-split.vmdk",
    ]);
  });
  it("a dynamic VHD block whose sector bitmap mixes present and absent sectors is not mapped there", async () => {
    const b = await fsp.readFile(path.join(dir, "gpt-dynamic.vhd"));
    const dyn = Number(b.readBigUInt64BE(16));
    const bat = Number(b.readBigUInt64BE(dyn + 16));
    const blockSize = b.readUInt32BE(dyn + 32);
    let block = 0;
    while (b.readUInt32BE(bat + block * 4) === 0xffffffff) block++;
    const bitmapAt = b.readUInt32BE(bat + block * 4) * 512;
    assert.equal(b[bitmapAt], 0xff, "the fixture's first block has its first sectors present");
    b[bitmapAt] = 0x7f; // sector 0 of the block: absent
    const file = path.join(os.tmpdir(), `amigate-vhd-${process.pid}.vhd`);
    await fsp.writeFile(file, b);
    const disk = await openDiskImage(file);
    try {
      const start = block * blockSize;
      assert.ok((await disk.source.read(start, 512)).every((x) => x === 0));
      assert.equal(await hostRunsOf(disk.source, [start, 1024]), undefined);
      const rest = (await hostRunsOf(disk.source, [start + 512, 4096]))!;
      const bytes = Buffer.alloc(4096);
      readHostRuns(rest.fd, rest.runs, 0, bytes, file);
      assert.deepEqual(bytes, await disk.source.read(start + 512, 4096));
    } finally {
      await disk.source.close();
      await fsp.rm(file);
    }
  });
  it("qcow2 with 4 KiB clusters of the MBR disk", async () => {
    const disk = await openDiskImage(path.join(dir, "mbr-4k.qcow2"));
    assert.match(disk.detail, /4 KiB clusters/);
    assert.equal(await hashSource(disk.source), await hashFile(path.join(dir, "mbr.raw")));
    await disk.source.close();
  });
});

describe("container errors name what is wrong", () => {
  it("qcow2 with a backing file names it", async () => {
    await assert.rejects(
      openDiskImage(path.join(dir, "gpt-overlay.qcow2")),
      (e: unknown) => e instanceof TargetError && /backing file "gpt\.qcow2"/.test(e.message),
    );
  });
  it("encrypted qcow2 from the corpus", async () => {
    await assert.rejects(
      openDiskImage(path.join(CORPUS_DISK, "qcow2/valid-ext-exfat-fat32-ntfs-encrypted-legacy-aes.qcow2")),
      (e: unknown) =>
        e instanceof TargetError && e.message.includes("encrypted qcow2 (AES/LUKS) is not supported"),
    );
  });
  it("a descriptor whose flat extent is missing names the extent (and says no more of it)", async () => {
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "amigate-vmdk-"));
    await fsp.copyFile(path.join(dir, "flat/gpt-flat.vmdk"), path.join(tmp, "gpt-flat.vmdk"));
    await assert.rejects(
      openDiskImage(path.join(tmp, "gpt-flat.vmdk")),
      (e: unknown) =>
        e instanceof TargetError &&
        /extent 1 "gpt-flat-flat\.vmdk" refused: not a regular file inside the image's folder/.test(
          e.message,
        ),
    );
    await fsp.rm(tmp, { recursive: true });
  });
  it("the corpus invalid.vmdk is not a VMDK (raw), vmdk-invalid.img is a typed error", async () => {
    const notVmdk = await openDiskImage(path.join(CORPUS_DISK, "vmdk/invalid.vmdk"));
    assert.equal(notVmdk.format, "raw");
    await notVmdk.source.close();
    const broken = path.join(CORPUS_DISK, "vmdk/go-vmdk-parser/vmdk-invalid.img");
    const attempt = async () => {
      const d = await openDiskImage(broken);
      try {
        await hashSource(d.source);
      } finally {
        await d.source.close();
      }
    };
    await assert.rejects(attempt(), ImageFormatError);
  });
});

describe("corpus images", () => {
  it("qcow2 and vmdk of the osv-scalibr GPT disk have the expected size and a GPT", async () => {
    const expected = JSON.parse(
      await fsp.readFile(path.join(CORPUS_DISK, "expected-gpt-images.json"), "utf8"),
    );
    for (const file of ["qcow2/valid-ext-exfat-fat32-ntfs.qcow2", "vmdk/valid-ext-exfat-fat32-ntfs.vmdk"]) {
      const disk = await openDiskImage(path.join(CORPUS_DISK, file));
      assert.equal(disk.format, expected.images[file].format);
      assert.equal(disk.source.size, expected.virtual_size);
      assert.equal((await disk.source.read(512, 8)).toString("latin1"), "EFI PART");
      await disk.source.close();
    }
  });
  it("tiny go-vmdk-parser sparse and streamOptimized VMDKs have 64 KiB disks", async () => {
    for (const file of ["vmdk-monolith.img", "vmdk-streamoptimized.img"]) {
      const disk = await openDiskImage(path.join(CORPUS_DISK, "vmdk/go-vmdk-parser", file));
      assert.equal(disk.format, "vmdk");
      assert.equal(disk.source.size, 65536);
      assert.equal((await disk.source.read(0, 65536)).length, 65536);
      await disk.source.close();
    }
  });
});
