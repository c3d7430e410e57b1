import type { ByteSource } from "../../io/bytes.js";

/** What the first bytes of a volume say it holds. */
export interface Sniffed {
  /** "ext4", "xfs", "vfat", "ntfs", "exfat", "swap", "luks", "bitlocker", "lvm2-pv", or undefined. */
  type?: string;
  uuid?: string;
  label?: string;
  encrypted: boolean;
}

const cstr = (b: Buffer) =>
  b
    .toString("utf8")
    .replace(/\0[\s\S]*$/, "")
    .trim();
const hex = (b: Buffer) => b.toString("hex");
const dashed = (h: string) =>
  `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;

const BTRFS_SUPER = 0x10000;

/** Reads signatures from the first 8 KiB (superblock magics at their documented offsets). */
export async function sniffVolume(source: ByteSource): Promise<Sniffed> {
  const head = await source.read(0, Math.min(source.size, 8192));
  const at = (off: number, s: string) =>
    head.length >= off + s.length && head.toString("latin1", off, off + s.length) === s;
  if (at(0, "LUKS\xba\xbe")) return { type: "luks", uuid: cstr(head.subarray(168, 208)), encrypted: true };
  if (at(3, "-FVE-FS-")) return { type: "bitlocker", encrypted: true };
  if (at(512, "LABELONE") || at(0, "LABELONE") || at(1024, "LABELONE") || at(1536, "LABELONE"))
    return { type: "lvm2-pv", encrypted: false };
  // ext2/3/4: superblock at 1024, s_magic 0xEF53 at +56, s_uuid at +104, s_volume_name at +120.
  if (head.length >= 2048 && head.readUInt16LE(1024 + 56) === 0xef53) {
    const incompat = head.readUInt32LE(1024 + 96);
    const compat = head.readUInt32LE(1024 + 92);
    const type = incompat & 0x40 || incompat & 0x200 ? "ext4" : compat & 4 ? "ext3" : "ext2"; // extents/flex_bg; has_journal
    return {
      type,
      uuid: dashed(hex(head.subarray(1128, 1144))),
      label: cstr(head.subarray(1144, 1160)),
      encrypted: false,
    };
  }
  if (at(0, "XFSB"))
    return {
      type: "xfs",
      uuid: dashed(hex(head.subarray(32, 48))),
      label: cstr(head.subarray(108, 120)),
      encrypted: false,
    };
  if (at(3, "NTFS    ")) {
    const serial = head.readBigUInt64LE(0x48).toString(16).toUpperCase().padStart(16, "0");
    return { type: "ntfs", uuid: serial, encrypted: false };
  }
  if (at(3, "EXFAT   ")) {
    const serial = head.readUInt32LE(100).toString(16).toUpperCase().padStart(8, "0");
    return { type: "exfat", uuid: `${serial.slice(0, 4)}-${serial.slice(4)}`, encrypted: false };
  }
  const fatId = (off: number) => {
    const serial = head.readUInt32LE(off).toString(16).toUpperCase().padStart(8, "0");
    return `${serial.slice(0, 4)}-${serial.slice(4)}`;
  };
  if (at(0x52, "FAT32"))
    return { type: "vfat", uuid: fatId(0x43), label: cstr(head.subarray(0x47, 0x52)), encrypted: false };
  if (at(0x36, "FAT1"))
    return { type: "vfat", uuid: fatId(0x27), label: cstr(head.subarray(0x2b, 0x36)), encrypted: false };
  if (at(4086, "SWAPSPACE2")) return { type: "swap", encrypted: false };
  if (at(0, "hsqs")) return { type: "squashfs", encrypted: false };
  if (head.length >= 1028 && head.readUInt32LE(1024) === 0xf2f52010)
    return { type: "f2fs", encrypted: false };
  // btrfs: the superblock sits at 64 KiB, its magic at +0x40.
  if (source.size >= BTRFS_SUPER + 0x48) {
    const magic = await source.read(BTRFS_SUPER + 0x40, 8);
    if (magic.toString("latin1") === "_BHRfS_M") return { type: "btrfs", encrypted: false };
  }
  return { encrypted: false };
}
