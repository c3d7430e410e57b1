import { ImageFormatError } from "../../io/errors.js";

/** The fields of the NTFS boot sector (the BPB at the volume's first sector) this reader uses. */
export interface NtfsBoot {
  bytesPerSector: number;
  clusterSize: number;
  totalClusters: number;
  mftLcn: number;
  mftRecordSize: number;
  indexRecordSize: number;
  serial: string;
}

/**
 * Clusters-per-record fields (0x40, 0x44) are signed: positive counts clusters, negative n means
 * 2^-n bytes. Sectors per cluster (0x0D) above 0x80 likewise means 2^(256 - value) sectors.
 */
function recordSize(value: number, clusterSize: number): number {
  const signed = value > 0x7f ? value - 256 : value;
  return signed > 0 ? signed * clusterSize : signed < 0 && signed >= -31 ? 2 ** -signed : 0;
}

export function isNtfsBoot(sector: Buffer): boolean {
  return sector.length >= 512 && sector.toString("latin1", 3, 11) === "NTFS    ";
}

/** Parses and checks the boot sector (Linux-NTFS documentation, "Boot sector" table). */
export function parseBoot(sector: Buffer, file: string, volumeSize: number): NtfsBoot {
  const bad = (offset: number, expected: string) =>
    new ImageFormatError(file, "NTFS boot sector", offset, expected);
  if (!isNtfsBoot(sector)) throw bad(3, 'OEM id "NTFS    "');
  const bytesPerSector = sector.readUInt16LE(0x0b);
  if (![256, 512, 1024, 2048, 4096].includes(bytesPerSector))
    throw bad(0x0b, "bytes per sector 256..4096, a power of two");
  const spc = sector[0x0d]!;
  const sectorsPerCluster = spc > 0x80 ? 2 ** (256 - spc) : spc;
  const clusterSize = bytesPerSector * sectorsPerCluster;
  if (sectorsPerCluster === 0 || (sectorsPerCluster & (sectorsPerCluster - 1)) !== 0 || clusterSize > 2 ** 21)
    throw bad(0x0d, "sectors per cluster a power of two, clusters up to 2 MiB");
  const totalSectors = Number(sector.readBigUInt64LE(0x28));
  const totalClusters = Math.floor(Math.min(totalSectors * bytesPerSector, volumeSize) / clusterSize);
  const mftLcn = Number(sector.readBigUInt64LE(0x30));
  if (mftLcn <= 0 || mftLcn >= totalClusters)
    throw bad(0x30, `$MFT cluster inside the volume (< ${totalClusters})`);
  const mftRecordSize = recordSize(sector[0x40]!, clusterSize);
  if (mftRecordSize < 256 || mftRecordSize > 65536 || (mftRecordSize & (mftRecordSize - 1)) !== 0)
    throw bad(0x40, "MFT record size a power of two, 256..65536 bytes");
  const indexRecordSize = recordSize(sector[0x44]!, clusterSize);
  if (indexRecordSize < 512 || indexRecordSize > 65536 || (indexRecordSize & (indexRecordSize - 1)) !== 0)
    throw bad(0x44, "index record size a power of two, 512..65536 bytes");
  const serial = sector.readBigUInt64LE(0x48).toString(16).toUpperCase().padStart(16, "0");
  return { bytesPerSector, clusterSize, totalClusters, mftLcn, mftRecordSize, indexRecordSize, serial };
}
