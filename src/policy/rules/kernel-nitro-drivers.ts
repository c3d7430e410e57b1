import { defineRule, type FindingDraft } from "../rule.js";

const messages = {
  noNvme: "kernel {{version}} has no nvme driver (neither a module nor built in)",
  noEna: "kernel {{version}} has no ena driver (neither a module nor built in)",
  noNvmeOrEna: "kernel {{version}} has no nvme or ena driver (neither a module nor built in)",
};

export default defineRule({
  id: "kernel-nitro-drivers",
  title: "The kernel lacks the NVMe or ENA driver current instance types need",
  clauses: ["ARC-2"],
  severity: "low",
  description:
    "Instance types on the Nitro system present EBS volumes as NVMe devices and use the Elastic Network Adapter (ENA). A kernel without the nvme or ena driver (as a module or built in) boots only on older instance types, or not at all. A warning: the image may target older types on purpose.",
  remediation:
    "Use a kernel that has CONFIG_BLK_DEV_NVME and CONFIG_ENA_ETHERNET (every current distribution kernel for AWS does), or install the ena module; register the AMI with --ena-support.",
  messages,
  facts: ["platform"],
  check({ platform }) {
    const findings: FindingDraft<keyof typeof messages>[] = [];
    for (const k of platform.kernels) {
      const nvme = k.nvme === "missing";
      const ena = k.ena === "missing";
      if (nvme || ena)
        findings.push({
          path: k.modulesDir,
          messageId: nvme && ena ? "noNvmeOrEna" : nvme ? "noNvme" : "noEna",
          data: { version: k.version },
        });
    }
    return findings;
  },
});
