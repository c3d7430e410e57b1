import { describeError } from "../../fs/errors.js";
import type { ByteSource } from "../bytes.js";
import { type PhysicalVolume, readPhysicalVolume } from "../lvm/pv.js";
import { assembleVolumeGroups, type VolumeGroup } from "../lvm/vg.js";
import { partitionSource, readPartitionTable } from "../partition/table.js";
import type { Partition, PartitionTable } from "../partition/types.js";
import { type OpenedDisk, openDiskImage } from "./container.js";
import type { ReferencePolicy } from "./reference.js";
import { type Sniffed, sniffVolume } from "./sniff.js";

/** A partition, a logical volume or the whole disk, with what its bytes hold. */
export interface Volume {
  /** "partition 3", "LV amivg/root", "whole disk". */
  where: string;
  source: ByteSource;
  fs: Sniffed;
  partition?: Partition;
  lv?: { vg: string; name: string };
}

export interface DiskLayout {
  input: string;
  disk: OpenedDisk;
  table: PartitionTable;
  volumes: Volume[];
  vgs: VolumeGroup[];
  notes: string[];
}

/**
 * Opens the container, reads the partition table, expands LVM PVs and sniffs every volume.
 * `wrapDiskSource` wraps the virtual disk before anything reads it (e.g. to count bytes read).
 */
export async function scanDisk(
  input: string,
  wrapDiskSource?: (source: ByteSource) => ByteSource,
  references?: ReferencePolicy,
): Promise<DiskLayout> {
  const opened = await openDiskImage(input, references);
  const disk = wrapDiskSource ? { ...opened, source: wrapDiskSource(opened.source) } : opened;
  try {
    return await scanOpenedDisk(input, disk);
  } catch (e) {
    await disk.source.close();
    throw e;
  }
}

export async function scanOpenedDisk(input: string, disk: OpenedDisk): Promise<DiskLayout> {
  const notes: string[] = [];
  const table = await readPartitionTable(disk.source);
  notes.push(...table.notes);
  const volumes: Volume[] = [];
  if (table.kind === "none")
    volumes.push({ where: "whole disk", source: disk.source, fs: await sniffVolume(disk.source) });
  for (const p of table.partitions) {
    if (p.start + p.size > disk.source.size) {
      notes.push(`partition ${p.index} extends past the end of the disk; skipped`);
      continue;
    }
    const source = partitionSource(disk.source, p);
    volumes.push({ where: `partition ${p.index}`, source, fs: await sniffVolume(source), partition: p });
  }
  const pvs: PhysicalVolume[] = [];
  for (const v of volumes) {
    if (v.fs.type !== "lvm2-pv") continue;
    try {
      const pv = await readPhysicalVolume(v.source);
      if (pv) pvs.push(pv);
    } catch (e) {
      notes.push(`LVM physical volume on ${v.where} could not be read: ${describeError(e)}`);
    }
  }
  let vgs: VolumeGroup[] = [];
  if (pvs.length > 0) {
    try {
      vgs = assembleVolumeGroups(pvs);
    } catch (e) {
      notes.push(`LVM metadata could not be read: ${describeError(e)}`);
    }
  }
  for (const vg of vgs) {
    if (vg.missingPvs.length > 0) notes.push(`VG ${vg.name} is missing PVs ${vg.missingPvs.join(", ")}`);
    for (const lv of vg.lvs) {
      if (!lv.source) {
        notes.push(`LV ${vg.name}/${lv.name} skipped: ${lv.problem ?? "unreadable"}`);
        continue;
      }
      volumes.push({
        where: `LV ${vg.name}/${lv.name}`,
        source: lv.source,
        fs: await sniffVolume(lv.source),
        lv: { vg: vg.name, name: lv.name },
      });
    }
  }
  for (const v of volumes) {
    if (v.fs.type === "luks")
      notes.push(`encrypted volume: ${v.where} is LUKS (uuid ${v.fs.uuid}); its contents cannot be scanned`);
    if (v.fs.type === "bitlocker")
      notes.push(`encrypted volume: ${v.where} is BitLocker; its contents cannot be scanned`);
  }
  return { input, disk, table, volumes, vgs, notes };
}
