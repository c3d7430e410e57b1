import { defineRule } from "../rule.js";

export default defineRule({
  id: "kernel-nitro-drivers",
  title: "The kernel lacks the NVMe or ENA driver current instance types need",
  clauses: ["ARC-2"],
  severity: "low",
  description:
    "Instance types on the Nitro system present EBS volumes as NVMe devices and use the Elastic Network Adapter (ENA). A kernel without the nvme or ena driver (as a module or built in) boots only on older instance types, or not at all. A warning: the image may target older types on purpose.",
  remediation:
    "Use a kernel that has CONFIG_BLK_DEV_NVME and CONFIG_ENA_ETHERNET (every current distribution kernel for AWS does), or install the ena module; register the AMI with --ena-support.",
  facts: ["platform"],
  check({ platform }) {
    const findings = [];
    for (const k of platform.kernels) {
      const missing = [
        k.nvme === "missing" ? "nvme" : undefined,
        k.ena === "missing" ? "ena" : undefined,
      ].filter((d): d is string => d !== undefined);
      if (missing.length > 0)
        findings.push({
          path: k.modulesDir,
          message: `kernel ${k.version} has no ${missing.join(" or ")} driver (neither a module nor built in)`,
        });
    }
    return findings;
  },
});
