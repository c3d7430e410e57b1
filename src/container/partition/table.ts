import type { ByteSource } from "../../io/bytes.js";
import { sliceSource } from "../disk/util.js";
import { hasGptSignature, readGpt } from "./gpt.js";
import { hasBootCode, hasMbrSignature, mbrEntries, readMbr } from "./mbr.js";
import type { Partition, PartitionTable } from "./types.js";

const PROTECTIVE = 0xee;

/**
 * Reads the partition table of a virtual disk: GPT (512- or 4096-byte sectors, found by where
 * "EFI PART" sits), else MBR, else none (a bare filesystem or an unknown layout).
 */
export async function readPartitionTable(
  disk: ByteSource,
  preferredSectorSize = 512,
): Promise<PartitionTable> {
  const lba0 = disk.size >= 512 ? await disk.read(0, 512) : Buffer.alloc(512);
  const mbrBootCode = hasMbrSignature(lba0) && hasBootCode(lba0);
  const entries = hasMbrSignature(lba0) ? mbrEntries(lba0).filter((e) => e.type !== 0) : [];
  const protective = entries.some((e) => e.type === PROTECTIVE);
  const sizes = preferredSectorSize === 4096 ? [4096, 512] : [512, 4096];
  for (const sectorSize of sizes) {
    if (!(await hasGptSignature(disk, sectorSize))) continue;
    const gpt = await readGpt(disk, sectorSize);
    const hybridMbr = protective && entries.some((e) => e.type !== PROTECTIVE);
    const notes = [...gpt.notes];
    if (!protective) notes.push("GPT without a protective MBR");
    return {
      kind: "gpt",
      sectorSize,
      diskId: gpt.diskGuid,
      partitions: gpt.partitions,
      mbrBootCode,
      hybridMbr,
      notes,
    };
  }
  if (protective) {
    // A protective MBR whose GPT header is gone at LBA 1: try the backup at the last LBA.
    for (const sectorSize of sizes) {
      try {
        const gpt = await readGpt(disk, sectorSize);
        return {
          kind: "gpt",
          sectorSize,
          diskId: gpt.diskGuid,
          partitions: gpt.partitions,
          mbrBootCode,
          hybridMbr: false,
          notes: gpt.notes,
        };
      } catch (e) {
        if (sectorSize === sizes[sizes.length - 1]) throw e;
      }
    }
  }
  if (entries.length > 0 && looksLikeMbr(lba0)) {
    const partitions = await readMbr(disk, lba0, 512);
    const diskId = lba0.readUInt32LE(440).toString(16).padStart(8, "0");
    return { kind: "mbr", sectorSize: 512, diskId, partitions, mbrBootCode, hybridMbr: false, notes: [] };
  }
  return { kind: "none", sectorSize: 512, partitions: [], mbrBootCode, hybridMbr: false, notes: [] };
}

/**
 * A FAT/NTFS boot sector also ends in 0x55AA; its "entries" are boot code. Real MBR entries have
 * status 0x00 or 0x80 and a non-zero start.
 */
function looksLikeMbr(lba0: Buffer): boolean {
  return mbrEntries(lba0).every((e) => (e.status === 0 || e.status === 0x80) && (e.type === 0 || e.lba > 0));
}

/** A partition's bytes as a ByteSource. */
export function partitionSource(disk: ByteSource, p: Partition): ByteSource {
  return sliceSource(disk, p.start, p.size, `${disk.description} partition ${p.index}`);
}
