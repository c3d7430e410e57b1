import { defineRule, type FindingDraft } from "../rule.js";

const SUPPORTED_LINUX = new Set(["x86_64", "aarch64"]);

const messages = {
  elfBinary: "{{path}} is a {{bits}}-bit {{architecture}} ELF binary",
  kernel: "kernel {{version}} is built for {{architecture}}",
  windows: "Windows is built for {{machine}}",
};

export default defineRule({
  id: "architecture-unsupported",
  title: "The image is not 64-bit x86 or 64-bit ARM",
  clauses: ["ARC-3"],
  severity: "critical",
  description:
    "AWS Marketplace AMIs must be 64-bit x86 (x86_64) or 64-bit ARM (arm64). Judged from the ELF header of the init system (Linux), the kernel image, and the PE header of ntoskrnl.exe/cmd.exe (Windows).",
  remediation:
    "Build the image for x86_64 or arm64 (aarch64); 32-bit and other architectures cannot be listed.",
  messages,
  facts: ["platform", "windows"],
  check({ platform, windows }) {
    const findings: FindingDraft<keyof typeof messages>[] = [];
    const arch = platform.architecture;
    if (arch && (arch.bits !== 64 || !SUPPORTED_LINUX.has(arch.architecture)))
      findings.push({
        path: arch.path,
        messageId: "elfBinary",
        data: { path: arch.path, bits: arch.bits, architecture: arch.architecture },
        evidence: `ELF class ${arch.bits}, e_machine ${arch.machine}`,
      });
    for (const k of platform.kernels)
      if (k.architecture && !SUPPORTED_LINUX.has(k.architecture) && k.image)
        findings.push({
          path: k.image,
          messageId: "kernel",
          data: { version: k.version, architecture: k.architecture },
        });
    const win = windows.isWindows ? windows.architecture : undefined;
    if (win && win.machine !== "x64" && win.machine !== "arm64")
      findings.push({ path: win.source, messageId: "windows", data: { machine: win.machine } });
    return findings;
  },
});
