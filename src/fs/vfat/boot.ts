import type { ByteSource } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";

/** The BIOS parameter block of a FAT12/16/32 volume (Microsoft FAT specification, section 3). */
export interface FatGeometry {
  kind: "FAT12" | "FAT16" | "FAT32";
  bytesPerSector: number;
  clusterSize: number;
  /** Byte offset of the FAT in use. */
  fatOffset: number;
  fatBytes: number;
  /** FAT12/16: byte offset and entry count of the fixed root directory. */
  rootDirOffset: number;
  rootEntries: number;
  /** FAT32: first cluster of the root directory. */
  rootCluster: number;
  dataOffset: number;
  /** Valid cluster numbers are 2 .. clusterCount + 1. */
  clusterCount: number;
  label: string;
}

const pow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** Parses the boot sector; the FAT type follows from the cluster count, as the spec defines it. */
export async function readBootSector(source: ByteSource): Promise<FatGeometry> {
  const file = source.description;
  const bad = (offset: number, expected: string) =>
    new ImageFormatError(file, "FAT boot sector", offset, expected);
  if (source.size < 512) throw bad(0, "at least 512 bytes");
  const b = await source.read(0, 512);
  if (b.readUInt16LE(510) !== 0xaa55) throw bad(510, "signature 55 AA");
  const bytesPerSector = b.readUInt16LE(11);
  const sectorsPerCluster = b[13] as number;
  const reserved = b.readUInt16LE(14);
  const fats = b[16] as number;
  const rootEntries = b.readUInt16LE(17);
  const totalSectors = b.readUInt16LE(19) || b.readUInt32LE(32);
  const fatSectors = b.readUInt16LE(22) || b.readUInt32LE(36);
  if (!pow2(bytesPerSector) || bytesPerSector < 512 || bytesPerSector > 4096)
    throw bad(11, "512..4096 bytes per sector");
  if (!pow2(sectorsPerCluster) || sectorsPerCluster * bytesPerSector > 1 << 21)
    throw bad(13, "a power-of-two cluster of at most 2 MiB");
  if (reserved < 1 || fats < 1 || fats > 4 || fatSectors < 1 || totalSectors < 1)
    throw bad(14, "reserved sectors, 1..4 FATs, a FAT size and a sector count");
  const rootSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
  const firstData = reserved + fats * fatSectors + rootSectors;
  if (firstData >= totalSectors) throw bad(19, "data sectors after the FATs and the root directory");
  const clusterCount = Math.floor((totalSectors - firstData) / sectorsPerCluster);
  const kind = clusterCount < 4085 ? "FAT12" : clusterCount < 65525 ? "FAT16" : "FAT32";
  const fat32 = kind === "FAT32";
  if (fat32 && (rootEntries !== 0 || b.readUInt16LE(22) !== 0))
    throw bad(17, "FAT32: no fixed root directory");
  if (!fat32 && rootEntries === 0) throw bad(17, "FAT12/16: root directory entries");
  // FAT32 ExtFlags bit 7: mirroring off, bits 0-3 name the one FAT in use.
  const activeFat = fat32 && b.readUInt16LE(40) & 0x80 ? b.readUInt16LE(40) & 0xf : 0;
  if (activeFat >= fats) throw bad(40, "an active FAT that exists");
  const fatBytes = fatSectors * bytesPerSector;
  const entryBits = kind === "FAT12" ? 12 : kind === "FAT16" ? 16 : 32;
  if (fatBytes * 8 < (clusterCount + 2) * entryBits) throw bad(22, "a FAT large enough for every cluster");
  const end = totalSectors * bytesPerSector;
  if (end > source.size) throw bad(19, `a volume of ${end} bytes inside ${source.size}`);
  const labelAt = fat32 ? 71 : 43;
  return {
    kind,
    bytesPerSector,
    clusterSize: sectorsPerCluster * bytesPerSector,
    fatOffset: (reserved + activeFat * fatSectors) * bytesPerSector,
    fatBytes,
    rootDirOffset: (reserved + fats * fatSectors) * bytesPerSector,
    rootEntries,
    rootCluster: fat32 ? b.readUInt32LE(44) & 0x0fffffff : 0,
    dataOffset: firstData * bytesPerSector,
    clusterCount,
    label: b.toString("latin1", labelAt, labelAt + 11).trimEnd(),
  };
}

/** True when the boot sector is a FAT BPB (jump, signature, sane sector and cluster sizes). */
export async function isVfat(source: ByteSource): Promise<boolean> {
  if (source.size < 512) return false;
  const b = await source.read(0, 512);
  if (b.readUInt16LE(510) !== 0xaa55 || (b[0] !== 0xeb && b[0] !== 0xe9)) return false;
  try {
    await readBootSector(source);
    return true;
  } catch {
    return false;
  }
}
