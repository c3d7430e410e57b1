import assert from "node:assert/strict";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { ImageFormatError } from "../../io/errors.js";
import { openFileByteSource } from "../../io/file.js";
import { openDiskImage } from "../disk/container.js";
import { bufferSource, CORPUS_DISK, diskFixtures } from "../disk/testing.js";
import { crc32 } from "../disk/util.js";
import { partitionSource, readPartitionTable } from "./table.js";

const dir = diskFixtures();
const tableOf = async (file: string) => {
  const src = await openFileByteSource(path.join(dir, file));
  try {
    return await readPartitionTable(src);
  } finally {
    await src.close();
  }
};

describe("GPT", () => {
  it("reads the sgdisk layout: types, names, PARTUUIDs", async () => {
    const t = await tableOf("gpt.raw");
    assert.equal(t.kind, "gpt");
    assert.equal(t.sectorSize, 512);
    assert.equal(t.diskId, "DEADBEEF-0000-4000-8000-000000000001");
    assert.deepEqual(
      t.partitions.map((p) => [p.index, p.start / 512, p.size / 512, p.typeName, p.name]),
      [
        [1, 2048, 8192, "EFI system", "EFI System"],
        [2, 10240, 16384, "Linux filesystem", "boot"],
        [3, 26624, 49152, "Linux filesystem", "root"],
        [4, 75776, 16384, "Linux home", "home"],
        [5, 92160, 8192, "Linux LUKS", "secret"],
      ],
    );
    assert.equal(t.partitions[3]?.partUuid, "aaaaaaaa-bbbb-cccc-dddd-000000000004");
    assert.equal(t.mbrBootCode, false);
    assert.equal(t.hybridMbr, false);
  });
  it("notes boot code in LBA 0", async () => {
    assert.equal((await tableOf("gpt-bootcode.raw")).mbrBootCode, true);
  });
  it("uses the backup header when the primary is damaged", async () => {
    const t = await tableOf("gpt-primary-damaged.raw");
    assert.equal(t.partitions.length, 5);
    assert.match(
      t.notes.join(),
      /primary GPT header damaged \(header CRC32 mismatch\); backup header at LBA 131071 used/,
    );
  });
  it("bad CRCs in both headers are an ImageFormatError", async () => {
    await assert.rejects(
      tableOf("gpt-badcrc.raw"),
      (e: unknown) =>
        e instanceof ImageFormatError && /primary: header CRC32 mismatch; backup/.test(e.message),
    );
  });
  it("4096-byte sectors", async () => {
    const t = await tableOf("gpt4k.raw");
    assert.equal(t.sectorSize, 4096);
    assert.deepEqual(
      t.partitions.map((p) => [p.start, p.size, p.name]),
      [[256 * 4096, 32 * 1048576, "root"]],
    );
  });
  it("a hybrid MBR (protective entry plus a real one)", async () => {
    const buf = await fsp.readFile(path.join(dir, "gpt.raw"));
    const e = 446 + 16; // second MBR entry: FAT32 mirror of partition 1
    buf[e + 4] = 0x0c;
    buf.writeUInt32LE(2048, e + 8);
    buf.writeUInt32LE(8192, e + 12);
    const t = await readPartitionTable(bufferSource(buf));
    assert.equal(t.kind, "gpt");
    assert.equal(t.hybridMbr, true);
  });
  it("an entry array CRC that matches but a partition past the disk end is refused", async () => {
    const buf = await fsp.readFile(path.join(dir, "gpt.raw"));
    buf.writeBigUInt64LE(1n << 40n, 1024 + 40); // entry 1 last LBA
    buf.writeUInt32LE(crc32(buf.subarray(1024, 1024 + 128 * 128)), 512 + 88);
    buf.writeUInt32LE(0, 512 + 16);
    buf.writeUInt32LE(crc32(buf.subarray(512, 512 + 92)), 512 + 16);
    await assert.rejects(readPartitionTable(bufferSource(buf)), ImageFormatError);
  });
  it("the corpus qcow2 disk matches expected-gpt-images.json", async () => {
    const expected = JSON.parse(
      await fsp.readFile(path.join(CORPUS_DISK, "expected-gpt-images.json"), "utf8"),
    );
    const disk = await openDiskImage(path.join(CORPUS_DISK, "qcow2/valid-ext-exfat-fat32-ntfs.qcow2"));
    const t = await readPartitionTable(disk.source);
    assert.equal(t.diskId, expected.images["qcow2/valid-ext-exfat-fat32-ntfs.qcow2"].disk_guid);
    assert.deepEqual(
      t.partitions.map((p) => ({
        index: p.index,
        start_lba: p.start / 512,
        end_lba: (p.start + p.size) / 512 - 1,
        type_guid: p.type,
        name: p.name,
      })),
      expected.gpt_partitions.map((p: Record<string, unknown>) => ({
        index: p.index,
        start_lba: p.start_lba,
        end_lba: p.end_lba,
        type_guid: p.type_guid,
        name: p.name,
      })),
    );
    const p1 = partitionSource(disk.source, t.partitions[0] as never);
    assert.equal(
      (await p1.read(1024 + 56, 2)).readUInt16LE(0),
      0xef53,
      "ext4 superblock magic in partition 1",
    );
    await disk.source.close();
  });
});

describe("MBR", () => {
  it("reads primary, extended and logical partitions", async () => {
    const t = await tableOf("mbr.raw");
    assert.equal(t.kind, "mbr");
    assert.equal(t.diskId, "1a2b3c4d");
    assert.deepEqual(
      t.partitions.map((p) => [
        p.index,
        p.start / 512,
        p.size / 512,
        p.type,
        p.typeName,
        p.partUuid,
        p.bootable,
      ]),
      [
        [1, 2048, 32768, "0x83", "Linux", "1a2b3c4d-01", true],
        [5, 36864, 16384, "0x83", "Linux", "1a2b3c4d-05", false],
        [6, 55296, 16384, "0x83", "Linux", "1a2b3c4d-06", false],
        [7, 73728, 8192, "0x82", "Linux swap", "1a2b3c4d-07", false],
      ],
    );
    assert.equal(t.mbrBootCode, true);
  });
  it("an EBR chain that loops is an ImageFormatError, quickly", async () => {
    const buf = await fsp.readFile(path.join(dir, "mbr.raw"));
    // The third EBR (before partition 7) points back at the first one.
    const third = (73728 - 2048) * 512;
    buf[third + 446 + 16 + 4] = 0x05;
    buf.writeUInt32LE(0, third + 446 + 16 + 8);
    buf.writeUInt32LE(2048, third + 446 + 16 + 12);
    const started = Date.now();
    await assert.rejects(
      readPartitionTable(bufferSource(buf)),
      (e: unknown) =>
        e instanceof ImageFormatError && /EBR chain/.test(e.message) && /without loops/.test(e.message),
    );
    assert.ok(Date.now() - started < 1000);
  });
  it("no table: a bare filesystem", async () => {
    const t = await tableOf("bare.raw");
    assert.equal(t.kind, "none");
    assert.equal(t.partitions.length, 0);
  });
});
