import type { ByteSource } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";
import { mbrTypeName, type Partition } from "./types.js";

// MBR: 446 bytes of boot code, four 16-byte entries at 446 (status, CHS, type, CHS, LBA u32 LE,
// sectors u32 LE), 0x55AA at 510. Logical partitions live in a chain of EBRs inside an extended
// partition: entry 0 is the logical partition (relative to its EBR), entry 1 the next EBR
// (relative to the extended partition's start).
const EXTENDED = new Set([0x05, 0x0f, 0x85]);
/** Linux stops at a few hundred; a longer chain is hostile. */
const MAX_LOGICAL = 256;

export interface MbrEntry {
  status: number;
  type: number;
  lba: number;
  sectors: number;
}

export function hasMbrSignature(sector: Buffer): boolean {
  return sector.length >= 512 && sector[510] === 0x55 && sector[511] === 0xaa;
}

export function mbrEntries(sector: Buffer): MbrEntry[] {
  const out: MbrEntry[] = [];
  for (let i = 0; i < 4; i++) {
    const e = 446 + i * 16;
    out.push({
      status: sector[e] as number,
      type: sector[e + 4] as number,
      lba: sector.readUInt32LE(e + 8),
      sectors: sector.readUInt32LE(e + 12),
    });
  }
  return out;
}

export function hasBootCode(sector: Buffer): boolean {
  for (let i = 0; i < 446; i++) if (sector[i] !== 0) return true;
  return false;
}

/** The partitions of an MBR disk, logical ones included (extended containers are not listed). */
export async function readMbr(disk: ByteSource, lba0: Buffer, sectorSize: number): Promise<Partition[]> {
  const signature = lba0.readUInt32LE(440).toString(16).padStart(8, "0");
  const diskSectors = Math.floor(disk.size / sectorSize);
  const partitions: Partition[] = [];
  const make = (index: number, e: MbrEntry, startLba: number, where: number): Partition => {
    if (startLba + e.sectors > diskSectors)
      throw new ImageFormatError(
        disk.description,
        "MBR partition entry",
        where,
        `partition ${index} inside the disk's ${diskSectors} sectors`,
      );
    return {
      index,
      start: startLba * sectorSize,
      size: e.sectors * sectorSize,
      type: `0x${e.type.toString(16).padStart(2, "0")}`,
      typeName: mbrTypeName(e.type),
      partUuid: `${signature}-${index.toString(16).padStart(2, "0")}`,
      bootable: e.status === 0x80,
    };
  };
  let extended: { lba: number; sectors: number } | undefined;
  for (const [i, e] of mbrEntries(lba0).entries()) {
    if (e.type === 0 || e.sectors === 0) continue;
    if (EXTENDED.has(e.type)) {
      if (!extended) extended = { lba: e.lba, sectors: e.sectors };
      continue;
    }
    partitions.push(make(i + 1, e, e.lba, 446 + i * 16));
  }
  if (!extended) return partitions;
  const seen = new Set<number>();
  let ebrLba = extended.lba;
  for (let n = 0; ; n++) {
    if (n >= MAX_LOGICAL)
      throw new ImageFormatError(
        disk.description,
        "EBR chain",
        ebrLba * sectorSize,
        `at most ${MAX_LOGICAL} logical partitions`,
      );
    if (seen.has(ebrLba))
      throw new ImageFormatError(disk.description, "EBR chain", ebrLba * sectorSize, "a chain without loops");
    seen.add(ebrLba);
    if (
      ebrLba < extended.lba ||
      ebrLba >= extended.lba + extended.sectors ||
      (ebrLba + 1) * sectorSize > disk.size
    )
      throw new ImageFormatError(
        disk.description,
        "EBR chain",
        ebrLba * sectorSize,
        "an EBR inside the extended partition",
      );
    const ebr = await disk.read(ebrLba * sectorSize, 512);
    if (!hasMbrSignature(ebr))
      throw new ImageFormatError(disk.description, "EBR", ebrLba * sectorSize, "signature 0x55AA");
    const [logical, next] = mbrEntries(ebr) as [MbrEntry, MbrEntry];
    if (logical.type !== 0 && logical.sectors !== 0)
      partitions.push(make(5 + n, logical, ebrLba + logical.lba, ebrLba * sectorSize + 446));
    if (next.type === 0 || next.sectors === 0 || !EXTENDED.has(next.type)) break;
    ebrLba = extended.lba + next.lba;
  }
  return partitions;
}
