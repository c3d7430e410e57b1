import { defineRule } from "../rule.js";

export default defineRule({
  id: "not-hvm-bootable",
  title: "The disk has no BIOS boot code and no EFI loader",
  clauses: ["ARC-2"],
  severity: "high",
  description:
    "Marketplace AMIs must use HVM virtualization, which boots the disk like a PC: BIOS boot code in the MBR (GRUB's first stage) or an EFI system partition with a loader (e.g. /EFI/BOOT/BOOTX64.EFI). A disk with neither cannot boot as HVM. Judged only for disk images; directories and archives carry no boot sector.",
  remediation:
    "Install a boot loader into the image (grub-install for BIOS, or an EFI system partition with shim/GRUB or systemd-boot) and register the AMI with --virtualization-type hvm.",
  messages: {
    espUnreadable:
      "no MBR boot code; the EFI system partition ({{partitions}}) could not be read to find a loader",
    espWithoutLoader: "no MBR boot code, and the EFI system partition ({{partitions}}) holds no .efi loader",
    noBootLoader: "no MBR boot code and no EFI system partition (partition table: {{partitionTable}})",
  },
  facts: ["platform", "os"],
  check({ platform, os }) {
    const disk = platform.disk;
    if (!disk || os.family === "windows") return [];
    if (disk.mbrBootCode) return [];
    const withLoader = disk.efiSystemPartitions.filter((e) => e.loaders.length > 0);
    if (withLoader.length > 0) return [];
    const unreadable = disk.efiSystemPartitions.filter((e) => !e.readable);
    if (unreadable.length > 0)
      return [
        {
          severity: "info",
          messageId: "espUnreadable",
          data: { partitions: unreadable.map((e) => e.where).join(", ") },
        },
      ];
    const esps = disk.efiSystemPartitions.map((e) => e.where);
    return [
      esps.length > 0
        ? { messageId: "espWithoutLoader", data: { partitions: esps.join(", ") } }
        : { messageId: "noBootLoader", data: { partitionTable: disk.partitionTable } },
    ];
  },
});
