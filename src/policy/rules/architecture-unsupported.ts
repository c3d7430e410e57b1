import { defineRule } from "../rule.js";

const SUPPORTED_LINUX = new Set(["x86_64", "aarch64"]);

export default defineRule({
  id: "architecture-unsupported",
  title: "The image is not 64-bit x86 or 64-bit ARM",
  clauses: ["ARC-3"],
  severity: "critical",
  description:
    "AWS Marketplace AMIs must be 64-bit x86 (x86_64) or 64-bit ARM (arm64). Judged from the ELF header of the init system (Linux), the kernel image, and the PE header of ntoskrnl.exe/cmd.exe (Windows).",
  remediation:
    "Build the image for x86_64 or arm64 (aarch64); 32-bit and other architectures cannot be listed.",
  facts: ["platform", "windows"],
  check({ platform, windows }) {
    const findings = [];
    const arch = platform.architecture;
    if (arch && (arch.bits !== 64 || !SUPPORTED_LINUX.has(arch.architecture)))
      findings.push({
        path: arch.path,
        message: `${arch.path} is a ${arch.bits}-bit ${arch.architecture} ELF binary`,
        evidence: `ELF class ${arch.bits}, e_machine ${arch.machine}`,
      });
    for (const k of platform.kernels)
      if (k.architecture && !SUPPORTED_LINUX.has(k.architecture) && k.image)
        findings.push({ path: k.image, message: `kernel ${k.version} is built for ${k.architecture}` });
    const win = windows.isWindows ? windows.architecture : undefined;
    if (win && win.machine !== "x64" && win.machine !== "arm64")
      findings.push({ path: win.source, message: `Windows is built for ${win.machine}` });
    return findings;
  },
});
