/** ELF identification (System V ABI: e_ident, e_machine at offset 18). */

const MACHINES: Record<number, string> = {
  3: "i386",
  8: "mips",
  20: "ppc",
  21: "ppc64",
  22: "s390x",
  40: "arm",
  62: "x86_64",
  183: "aarch64",
  243: "riscv64",
};

export interface ElfIdentity {
  bits: 32 | 64;
  littleEndian: boolean;
  machine: number;
  /** "x86_64", "aarch64", "i386"… or "machine N" for others. */
  architecture: string;
}

/** Reads the ELF header from the first bytes of a file; undefined when it is not ELF. */
export function elfIdentity(head: Buffer): ElfIdentity | undefined {
  if (head.length < 20 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const cls = head[4];
  const data = head[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return undefined;
  const littleEndian = data === 1;
  const machine = littleEndian ? head.readUInt16LE(18) : head.readUInt16BE(18);
  return {
    bits: cls === 2 ? 64 : 32,
    littleEndian,
    machine,
    architecture: MACHINES[machine] ?? `machine ${machine}`,
  };
}

/**
 * Architecture of a Linux kernel image: x86 bzImage ("HdrS" at 0x202) or arm64 Image
 * ("ARM\x64" at 0x38). Compressed arm64 vmlinuz (gzip) is not told here.
 */
export function kernelImageArchitecture(head: Buffer): string | undefined {
  if (head.length >= 0x206 && head.toString("latin1", 0x202, 0x206) === "HdrS") return "x86_64";
  if (head.length >= 0x3c && head.readUInt32LE(0x38) === 0x644d5241) return "aarch64";
  const elf = elfIdentity(head);
  return elf?.architecture;
}
