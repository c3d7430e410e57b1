import { testRule } from "../../../test/support/rule-tester.js";
import { diskBootInfo } from "../../../test/support/trees.js";
import rule from "./not-hvm-bootable.js";

const linux = { "/etc/os-release": "ID=debian\nVERSION_ID=12\n" };

testRule(rule, {
  valid: [
    { name: "a directory or archive: no disk, nothing to judge", base: "empty", changes: linux },
    {
      name: "BIOS boot code in the MBR",
      base: "empty",
      changes: linux,
      disk: diskBootInfo({ mbrBootCode: true }),
    },
    {
      name: "an EFI system partition with a loader",
      base: "empty",
      changes: linux,
      disk: diskBootInfo({
        efiSystemPartitions: [{ where: "partition 15", loaders: ["/EFI/BOOT/BOOTX64.EFI"], readable: true }],
      }),
    },
    {
      name: "a Windows root is judged by its own rules",
      base: "empty",
      changes: { "/Windows/System32/config/SOFTWARE": "" },
      disk: diskBootInfo({}),
    },
  ],
  invalid: [
    {
      name: "GPT without boot code or an EFI system partition",
      base: "empty",
      changes: linux,
      disk: diskBootInfo({}),
      findings: [
        { severity: "high", message: "no MBR boot code and no EFI system partition (partition table: gpt)" },
      ],
    },
    {
      name: "an EFI system partition without a loader",
      base: "empty",
      changes: linux,
      disk: diskBootInfo({ efiSystemPartitions: [{ where: "partition 15", loaders: [], readable: true }] }),
      findings: [
        { message: "no MBR boot code, and the EFI system partition (partition 15) holds no .efi loader" },
      ],
    },
    {
      name: "an EFI system partition that could not be read: an info note, not a verdict",
      base: "empty",
      changes: linux,
      disk: diskBootInfo({ efiSystemPartitions: [{ where: "partition 15", loaders: [], readable: false }] }),
      findings: [
        {
          severity: "info",
          message:
            "no MBR boot code; the EFI system partition (partition 15) could not be read to find a loader",
        },
      ],
    },
  ],
});
