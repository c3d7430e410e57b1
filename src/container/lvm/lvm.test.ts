import assert from "node:assert/strict";
import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { ImageFormatError } from "../../io/errors.js";
import { openDiskImage } from "../disk/container.js";
import { diskFixtures } from "../disk/testing.js";
import { partitionSource, readPartitionTable } from "../partition/table.js";
import { isLvmType } from "../partition/types.js";
import { readPhysicalVolume } from "./pv.js";
import { parseLvmText } from "./text.js";
import { assembleVolumeGroups } from "./vg.js";

const dir = diskFixtures();
const lvmDisk = path.join(dir, "lvm.qcow2");

describe("LVM text format", () => {
  it("parses sections, strings, numbers, arrays and comments", () => {
    const root = parseLvmText(
      'vg { id = "a-b" # comment\n seqno = 3\n stripes = [\n"pv0", 0,\n"pv1", 10\n]\n s { x = "q\\"uote" } }\n',
      "t",
      0,
    );
    assert.deepEqual(JSON.parse(JSON.stringify(root)), {
      vg: { id: "a-b", seqno: 3, stripes: ["pv0", 0, "pv1", 10], s: { x: 'q"uote' } },
    });
  });
  it("absurd nesting and unterminated text are ImageFormatErrors", () => {
    assert.throws(() => parseLvmText("a { ".repeat(100), "t", 0), /nested at most 16/);
    assert.throws(() => parseLvmText('a = "open', "t", 0), ImageFormatError);
    assert.throws(() => parseLvmText("a { b = 1", "t", 0), /closing brace/);
  });
});

describe("LVM2 PV written by pvcreate/vgcreate/vgcfgrestore", {
  skip: !existsSync(lvmDisk) && "no lvm fixture (needs a loop device)",
}, () => {
  const open = async () => {
    const disk = await openDiskImage(lvmDisk);
    const table = await readPartitionTable(disk.source);
    const part = table.partitions.find((p) => isLvmType(p.type));
    assert.ok(part, "a Linux LVM partition");
    const pv = await readPhysicalVolume(partitionSource(disk.source, part));
    assert.ok(pv);
    return { disk, pv };
  };
  it("finds the PV, its VG and both LVs", async () => {
    const { disk, pv } = await open();
    assert.equal(pv.uuid, "AMIGAT-E000-0000-0000-0000-0000-PV0001".replace(/-/g, ""));
    const [vg, ...rest] = assembleVolumeGroups([pv]);
    assert.equal(rest.length, 0);
    assert.ok(vg);
    assert.equal(vg.name, "amivg");
    assert.deepEqual(vg.missingPvs, []);
    assert.deepEqual(
      vg.lvs.map((lv) => [lv.name, lv.layout, lv.size]),
      [
        ["root", "linear", 16 * 1048576],
        ["lv-home", "linear", 8 * 1048576],
      ],
    );
    // The root LV is two segments (PV extents 0-5 and 20-29); an ext4 superblock at 1024 and the
    // same filesystem continuing across the segment boundary (its label is in the superblock).
    const root = vg.lvs[0]?.source;
    assert.ok(root);
    const sb = await root.read(1024, 1024);
    assert.equal(sb.readUInt16LE(56), 0xef53);
    assert.equal(sb.toString("latin1", 120, 125), "lroot");
    const home = vg.lvs[1]?.source;
    assert.equal((await home?.read(1024 + 120, 5))?.toString("latin1"), "lhome");
    await disk.source.close();
  });
  it("a segment past the PV end is an ImageFormatError", async () => {
    const { disk, pv } = await open();
    const hostile = { ...pv, metadata: pv.metadata.replace('"pv0", 20', '"pv0", 40') };
    assert.throws(
      () => assembleVolumeGroups([hostile]),
      (e: unknown) => e instanceof ImageFormatError && /extents within PV pv0/.test(e.message),
    );
    const nonContiguous = { ...pv, metadata: pv.metadata.replace("start_extent = 6", "start_extent = 7") };
    assert.throws(() => assembleVolumeGroups([nonContiguous]), /contiguous/);
    await disk.source.close();
  });
  it("the metadata matches what vgcfgbackup wrote", async () => {
    const { disk, pv } = await open();
    const backup = await fsp.readFile(path.join(dir, "lvm-vg.txt"), "utf8");
    const id = /id = "([^"]+)"/.exec(backup)?.[1];
    assert.ok(id && pv.metadata.includes(id));
    await disk.source.close();
  });
});
