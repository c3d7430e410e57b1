import type { ByteSource } from "../io/bytes.js";
import { describeError } from "../io/errors.js";
import { type OpenedDisk, openDiskImage } from "./disk/container.js";
import type { ReferencePolicy } from "./disk/reference.js";
import { type Sniffed, sniffVolume } from "./disk/sniff.js";
import type { TargetGap } from "./gap.js";
import { type PhysicalVolume, readPhysicalVolume } from "./lvm/pv.js";
import { assembleVolumeGroups, type VolumeGroup } from "./lvm/vg.js";
import { partitionSource, readPartitionTable } from "./partition/table.js";
import type { Partition, PartitionTable } from "./partition/types.js";

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
  /** What of the disk could not be read: each fails the scan (rule scan-incomplete). */
  gaps: TargetGap[];
}

/**
 * Opens the container, reads the partition table, expands LVM PVs and sniffs every volume.
 * `wrapDiskSource` wraps the virtual disk before anything reads it (e.g. to count bytes read).
 */
export async function scanDisk(
  input: string,
  wrapDiskSource?: (source: ByteSource) => ByteSource,
  references?: ReferencePolicy,
  source?: ByteSource,
): Promise<DiskLayout> {
  const opened = await openDiskImage(input, references, source);
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
  const gaps: TargetGap[] = [];
  const table = await readPartitionTable(disk.source);
  notes.push(...table.notes);
  const volumes: Volume[] = [];
  if (table.kind === "none")
    volumes.push({ where: "whole disk", source: disk.source, fs: await sniffVolume(disk.source) });
  for (const p of table.partitions) {
    if (p.start + p.size > disk.source.size) {
      notes.push(`partition ${p.index} extends past the end of the disk; skipped`);
      gaps.push({ where: `partition ${p.index}`, reason: "it extends past the end of the disk" });
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
      gaps.push({
        where: v.where,
        reason: `its LVM physical volume could not be read (${describeError(e)})`,
      });
    }
  }
  let vgs: VolumeGroup[] = [];
  if (pvs.length > 0) {
    try {
      vgs = assembleVolumeGroups(pvs);
    } catch (e) {
      notes.push(`LVM metadata could not be read: ${describeError(e)}`);
      gaps.push({
        where: "LVM",
        reason: `the volume group metadata could not be read (${describeError(e)})`,
      });
    }
  }
  for (const vg of vgs) {
    if (vg.missingPvs.length > 0) notes.push(`VG ${vg.name} is missing PVs ${vg.missingPvs.join(", ")}`);
    for (const lv of vg.lvs) {
      if (!lv.source) {
        notes.push(`LV ${vg.name}/${lv.name} skipped: ${lv.problem ?? "unreadable"}`);
        gaps.push({ where: `LV ${vg.name}/${lv.name}`, reason: lv.problem ?? "unreadable" });
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
  for (const v of volumes)
    if (await unrecognisedContent(v)) gaps.push({ where: v.where, reason: UNRECOGNISED });
  return { input, disk, table, volumes, vgs, notes, gaps };
}

const UNRECOGNISED =
  "it holds data in no format amigate reads (not a known filesystem, LVM, swap or encrypted volume)";

/** Partition types that hold no filesystem by design: BIOS boot (GRUB's core), Microsoft reserved, PReP. */
const NO_FILESYSTEM_TYPES = new Set([
  "21686148-6E6F-744E-656E-6F4E65656645",
  "E3C9E316-0B5C-4DB8-817D-F92DF00215AE",
  "9E1A2D38-C612-4316-AA26-8B49521E5A8B",
  "0x41",
  "0x05",
  "0x0f",
  "0x85",
]);

/**
 * A volume whose bytes are not zero and that no sniffer recognised (btrfs, ZFS, squashfs…): what
 * it holds was not read. Blank volumes and partitions whose type holds no filesystem are fine.
 */
async function unrecognisedContent(v: Volume): Promise<boolean> {
  if (v.fs.type !== undefined || v.fs.encrypted) return false;
  const type = v.partition?.type;
  if (type && NO_FILESYSTEM_TYPES.has(type.startsWith("0x") ? type.toLowerCase() : type.toUpperCase()))
    return false;
  const head = await v.source.read(0, Math.min(v.source.size, 128 * 1024));
  return head.some((b) => b !== 0);
}
