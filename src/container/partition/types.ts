/** One partition of a disk, whatever the table. Offsets are in bytes. */
export interface Partition {
  /** 1-based as Linux numbers them (MBR logical partitions start at 5). */
  index: number;
  start: number;
  size: number;
  /** GPT type GUID (upper case) or MBR type as "0x83". */
  type: string;
  /** Human name of the type, e.g. "Linux filesystem", "EFI system"; "unknown" when we have none. */
  typeName: string;
  /** GPT partition name (UTF-16 label). */
  name?: string;
  /** What Linux calls PARTUUID: the GPT unique GUID (lower case) or "<disk signature>-<NN>" for MBR. */
  partUuid?: string;
  /** MBR: the active (bootable) flag. GPT: legacy BIOS bootable attribute (bit 2). */
  bootable: boolean;
}

export interface PartitionTable {
  kind: "gpt" | "mbr" | "none";
  sectorSize: number;
  /** GPT disk GUID or MBR disk signature (hex). */
  diskId?: string;
  partitions: Partition[];
  /** Non-zero bytes in LBA 0 bytes 0-445: a BIOS boot loader's first stage is installed. */
  mbrBootCode: boolean;
  /** GPT with a protective MBR that also lists other partitions. */
  hybridMbr: boolean;
  /** Problems worth reporting (e.g. "primary GPT header damaged; backup used"). */
  notes: string[];
}

const GPT_TYPES: Record<string, string> = {
  "C12A7328-F81F-11D2-BA4B-00A0C93EC93B": "EFI system",
  "21686148-6449-6E6F-744E-656564454649": "BIOS boot",
  "0FC63DAF-8483-4772-8E79-3D69D8477DE4": "Linux filesystem",
  "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709": "Linux root (x86-64)",
  "B921B045-1DF0-41C3-AF44-4C6F280D3FAE": "Linux root (ARM64)",
  "BC13C2FF-59E6-4262-A352-B275FD6F7172": "Linux extended boot",
  "933AC7E1-2EB4-4F13-B844-0E14E2AEF915": "Linux home",
  "3B8F8425-20E0-4F3B-907F-1A25A76F98E8": "Linux server data",
  "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F": "Linux swap",
  "E6D6D379-F507-44C2-A23C-238F2A3DF928": "Linux LVM",
  "A19D880F-05FC-4D3B-A006-743F0F84911E": "Linux RAID",
  "CA7D7CCB-63ED-4C53-861C-1742536059CC": "Linux LUKS",
  "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7": "Microsoft basic data",
  "E3C9E316-0B5C-4DB8-817D-F92DF00215AE": "Microsoft reserved",
  "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC": "Windows recovery",
  "6A898CC3-1DD2-11B2-99A6-080020736631": "ZFS / Solaris /usr",
  "516E7CB6-6ECF-11D6-8FF8-00022D09712B": "FreeBSD UFS",
};

const MBR_TYPES: Record<number, string> = {
  1: "FAT12",
  4: "FAT16 <32M",
  5: "Extended",
  6: "FAT16",
  7: "NTFS/exFAT",
  11: "FAT32",
  12: "FAT32 (LBA)",
  14: "FAT16 (LBA)",
  15: "Extended (LBA)",
  39: "Windows recovery",
  130: "Linux swap",
  131: "Linux",
  133: "Linux extended",
  142: "Linux LVM",
  165: "FreeBSD",
  238: "GPT protective",
  239: "EFI system",
  253: "Linux RAID",
};

export function gptTypeName(guid: string): string {
  return GPT_TYPES[guid] ?? "unknown";
}

export function mbrTypeName(type: number): string {
  return MBR_TYPES[type] ?? "unknown";
}

/** Partition types that hold an LVM physical volume. */
export function isLvmType(type: string): boolean {
  return type === "E6D6D379-F507-44C2-A23C-238F2A3DF928" || type === "0x8e";
}
