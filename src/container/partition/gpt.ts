import type { ByteSource } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";
import { crc32, guidAt } from "../disk/util.js";
import { gptTypeName, type Partition } from "./types.js";

// UEFI 2.10 §5.3: header "EFI PART" at LBA 1 (CRC32 over header_size bytes with the CRC field
// zeroed), entry array at partition_entry_lba (CRC32 over count × size), backup header at the last
// LBA. Entry: type GUID, unique GUID, first/last LBA, attributes, 36 UTF-16LE name characters.
const SIGNATURE = "EFI PART";
const UNUSED = "00000000-0000-0000-0000-000000000000";
const MAX_ENTRY_BYTES = 1024 * 1024;

export interface GptResult {
  diskGuid: string;
  partitions: Partition[];
  notes: string[];
}

export async function hasGptSignature(disk: ByteSource, sectorSize: number): Promise<boolean> {
  if (disk.size < sectorSize * 2) return false;
  return (await disk.read(sectorSize, 8)).toString("latin1") === SIGNATURE;
}

interface Header {
  lba: number;
  diskGuid: string;
  entriesLba: number;
  count: number;
  entrySize: number;
  entriesCrc: number;
  firstUsable: number;
  lastUsable: number;
}

/** Parses the header at `lba`; returns a reason string when it is not a valid header. */
async function readHeader(disk: ByteSource, lba: number, sectorSize: number): Promise<Header | string> {
  if ((lba + 1) * sectorSize > disk.size) return "past the end of the disk";
  const s = await disk.read(lba * sectorSize, sectorSize);
  if (s.toString("latin1", 0, 8) !== SIGNATURE) return "no EFI PART signature";
  const headerSize = s.readUInt32LE(12);
  if (headerSize < 92 || headerSize > sectorSize) return "header size out of range";
  const copy = Buffer.from(s.subarray(0, headerSize));
  copy.writeUInt32LE(0, 16);
  if (crc32(copy) !== s.readUInt32LE(16)) return "header CRC32 mismatch";
  const num = (at: number) => Number(s.readBigUInt64LE(at));
  const h: Header = {
    lba,
    diskGuid: guidAt(s, 56),
    entriesLba: num(72),
    count: s.readUInt32LE(80),
    entrySize: s.readUInt32LE(84),
    entriesCrc: s.readUInt32LE(88),
    firstUsable: num(40),
    lastUsable: num(48),
  };
  if (h.entrySize < 128 || h.entrySize % 8 !== 0 || h.count * h.entrySize > MAX_ENTRY_BYTES)
    return "entry array size out of range";
  if (h.entriesLba * sectorSize + h.count * h.entrySize > disk.size)
    return "entry array past the end of the disk";
  const entries = await disk.read(h.entriesLba * sectorSize, h.count * h.entrySize);
  if (crc32(entries) !== h.entriesCrc) return "partition entry array CRC32 mismatch";
  return h;
}

export async function readGpt(disk: ByteSource, sectorSize: number): Promise<GptResult> {
  const notes: string[] = [];
  const lastLba = Math.floor(disk.size / sectorSize) - 1;
  let header = await readHeader(disk, 1, sectorSize);
  if (typeof header === "string") {
    const primaryProblem = header;
    const backup = await readHeader(disk, lastLba, sectorSize);
    if (typeof backup === "string")
      throw new ImageFormatError(
        disk.description,
        "GPT header",
        sectorSize,
        `a valid primary or backup header (primary: ${primaryProblem}; backup at LBA ${lastLba}: ${backup})`,
      );
    notes.push(`primary GPT header damaged (${primaryProblem}); backup header at LBA ${lastLba} used`);
    header = backup;
  }
  const entries = await disk.read(header.entriesLba * sectorSize, header.count * header.entrySize);
  const partitions: Partition[] = [];
  const diskSectors = lastLba + 1;
  for (let i = 0; i < header.count; i++) {
    const e = i * header.entrySize;
    const type = guidAt(entries, e);
    if (type === UNUSED) continue;
    const first = Number(entries.readBigUInt64LE(e + 32));
    const last = Number(entries.readBigUInt64LE(e + 40));
    if (last < first || last >= diskSectors)
      throw new ImageFormatError(
        disk.description,
        "GPT partition entry",
        header.entriesLba * sectorSize + e,
        `first ≤ last < ${diskSectors}`,
      );
    const name = entries
      .subarray(e + 56, e + 128)
      .toString("utf16le")
      .replace(/\0[\s\S]*$/, "");
    partitions.push({
      index: i + 1,
      start: first * sectorSize,
      size: (last - first + 1) * sectorSize,
      type,
      typeName: gptTypeName(type),
      name,
      partUuid: guidAt(entries, e + 16).toLowerCase(),
      bootable: (entries.readBigUInt64LE(e + 48) & 4n) !== 0n,
    });
  }
  return { diskGuid: header.diskGuid, partitions, notes };
}
