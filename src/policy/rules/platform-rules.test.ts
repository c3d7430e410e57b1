import assert from "node:assert/strict";
import { test } from "node:test";
import { testRule } from "../../../test/support/rule-tester.js";
import { debianImage, diskBootInfo } from "../../../test/support/trees.js";
import { peStub, windowsChanges } from "../../../test/support/windows-tree.js";
import { DEFAULT_INSPECT_OPTIONS } from "../../inspect/context.js";
import { evaluateRoot } from "../engine.js";
import architectureUnsupported from "./architecture-unsupported.js";
import encryptedFilesystem from "./encrypted-filesystem.js";
import kernelNitroDrivers from "./kernel-nitro-drivers.js";
import userDataRequired from "./user-data-required.js";

/** The first 64 bytes of an ELF file of the given class and e_machine. */
function elfHeader(bits: 32 | 64, machine: number): Buffer {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = bits === 64 ? 2 : 1;
  b[5] = 1;
  b[6] = 1;
  b.writeUInt16LE(2, 16);
  b.writeUInt16LE(machine, 18);
  return b;
}

testRule(architectureUnsupported, {
  valid: [
    { name: "the Debian rootfs (x86_64 init)", changes: {} },
    { name: "an aarch64 init", changes: { "/usr/sbin/init": { type: "file", content: elfHeader(64, 183) } } },
  ],
  invalid: [
    {
      name: "a 32-bit i386 init",
      changes: { "/usr/sbin/init": { type: "file", content: elfHeader(32, 3) } },
      findings: [{ path: "/sbin/init", message: "/sbin/init is a 32-bit i386 ELF binary" }],
    },
    {
      name: "a riscv64 init",
      changes: { "/usr/sbin/init": { type: "file", content: elfHeader(64, 243) } },
      findings: [{ path: "/sbin/init", evidence: "ELF class 64, e_machine 243" }],
    },
    {
      name: "a kernel image built for riscv64",
      changes: {
        "/usr/lib/modules/6.1.0-rv/kernel/fs/ext4/ext4.ko": "x",
        "/boot/vmlinux-6.1.0-rv": { type: "file", content: elfHeader(64, 243) },
      },
      findings: [
        {
          path: "/boot/vmlinux-6.1.0-rv",
          messageId: "kernel",
          data: { version: "6.1.0-rv", architecture: "riscv64" },
          message: "kernel 6.1.0-rv is built for riscv64",
        },
      ],
    },
    {
      name: "Windows built for 32-bit x86",
      base: "empty",
      changes: windowsChanges({
        files: { "/Windows/System32/ntoskrnl.exe": { type: "file", content: peStub(0x14c) } },
      }),
      findings: [
        {
          path: "/Windows/System32/ntoskrnl.exe",
          messageId: "windows",
          data: { machine: "x86" },
          message: "Windows is built for x86",
        },
      ],
    },
  ],
});

const modules = (version: string, files: string[], builtin = ""): Record<string, string> => ({
  [`/usr/lib/modules/${version}/kernel/fs/ext4/ext4.ko`]: "x",
  [`/usr/lib/modules/${version}/modules.builtin`]: builtin,
  ...Object.fromEntries(files.map((f) => [`/usr/lib/modules/${version}/kernel/${f}`, "x"])),
});

testRule(kernelNitroDrivers, {
  valid: [
    { name: "no kernel at all (a container-style rootfs)", changes: {} },
    {
      name: "nvme and ena as compressed modules",
      changes: modules("6.1.0-28-cloud-amd64", [
        "drivers/nvme/host/nvme.ko.xz",
        "drivers/net/ethernet/amazon/ena/ena.ko.xz",
      ]),
    },
    {
      name: "nvme built in, ena a module",
      changes: modules(
        "6.1.0-28-amd64",
        ["drivers/net/ethernet/amazon/ena/ena.ko"],
        "kernel/drivers/nvme/host/nvme.ko\n",
      ),
    },
  ],
  invalid: [
    {
      name: "a kernel without ena",
      changes: modules("5.4.0-old", ["drivers/nvme/host/nvme.ko"]),
      findings: [
        {
          path: "/lib/modules/5.4.0-old",
          message: "kernel 5.4.0-old has no ena driver (neither a module nor built in)",
        },
      ],
    },
    {
      name: "a kernel without nvme",
      changes: modules("5.10.0-old", ["drivers/net/ethernet/amazon/ena/ena.ko"]),
      findings: [
        {
          path: "/lib/modules/5.10.0-old",
          messageId: "noNvme",
          message: "kernel 5.10.0-old has no nvme driver (neither a module nor built in)",
        },
      ],
    },
    {
      name: "a kernel with neither",
      changes: modules("4.9.0-ancient", []),
      findings: [
        { message: "kernel 4.9.0-ancient has no nvme or ena driver (neither a module nor built in)" },
      ],
    },
  ],
});

testRule(encryptedFilesystem, {
  valid: [
    { name: "the Debian rootfs", changes: {} },
    {
      name: "a crypttab with only comments",
      changes: { "/etc/crypttab": "# <target name> <source device> <key file> <options>\n\n" },
    },
  ],
  invalid: [
    {
      name: "a LUKS volume in crypttab",
      changes: { "/etc/crypttab": "# comment\ndata UUID=1234 none luks\n" },
      findings: [
        { path: "/etc/crypttab", line: 2, message: "encrypted volume data on UUID=1234 is set up at boot" },
      ],
    },
    {
      name: "eCryptfs home directories",
      changes: { "/home/.ecryptfs/admin/.Private/x": "x" },
      findings: [{ path: "/home/.ecryptfs" }],
    },
    {
      name: "fscrypt metadata at the root",
      changes: { "/.fscrypt/policies/a1b2": "x" },
      findings: [
        { path: "/.fscrypt", messageId: "fscrypt", message: "fscrypt metadata: encrypted directories" },
      ],
    },
    {
      name: "LUKS and BitLocker volumes on the disk",
      changes: {},
      disk: diskBootInfo({
        encryptedVolumes: [
          { where: "partition 4", type: "luks" },
          { where: "partition 5", type: "bitlocker" },
        ],
      }),
      findings: [
        { messageId: "luks", message: "partition 4 is a LUKS encrypted volume" },
        { messageId: "bitlocker", message: "partition 5 is a BitLocker encrypted volume" },
      ],
    },
  ],
});

testRule(userDataRequired, {
  valid: [
    { name: "the Debian rootfs", changes: {} },
    { name: "rc.local that only logs", changes: { "/etc/rc.local": "#!/bin/sh\nlogger booted\nexit 0\n" } },
  ],
  invalid: [
    {
      name: "rc.local fetching user data from IMDS",
      changes: {
        "/etc/rc.local":
          "#!/bin/sh\nCONF=$(curl -s http://169.254.169.254/latest/user-data) || exit 1\nexit 0\n",
      },
      findings: [{ path: "/etc/rc.local", line: 2 }],
    },
  ],
});

test("encrypted volumes found on the disk are ARC-6 findings", async () => {
  const { findings } = await evaluateRoot(
    {
      root: "partition 2 (ext4)",
      image: debianImage(),
      disk: diskBootInfo({ encryptedVolumes: [{ where: "partition 4", type: "luks" }] }),
    },
    { rules: [encryptedFilesystem], inspect: DEFAULT_INSPECT_OPTIONS },
  );
  assert.deepEqual(
    findings.map((f) => [f.clauses, f.message]),
    [[["ARC-6"], "partition 4 is a LUKS encrypted volume"]],
  );
});
