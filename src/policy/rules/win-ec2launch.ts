import { defineRule } from "../rule.js";

/** Windows Server 2016 is build 14393; later releases only grow. */
export const SERVER_2016_BUILD = 14393;

export default defineRule({
  id: "win-ec2launch",
  title: "Windows Server 2016 and later must use EC2Launch (v2 preferred)",
  clauses: ["WIN-1"],
  severity: "high",
  description:
    "AWS Marketplace requires Windows Server 2016 and later AMIs to be launched by EC2Launch, which sets the administrator password, handles user data and activation. EC2Launch v2 is the current agent; v1 is accepted but superseded.",
  remediation: "Install EC2Launch v2 (ProgramData\\Amazon\\EC2Launch) and remove EC2Config / EC2Launch v1.",
  messages: {
    v1Installed: "EC2Launch v1 is installed; EC2Launch v2 is preferred",
    usesEc2Config: "{{windows}} uses EC2Config, not EC2Launch",
    noEc2Launch: "No EC2Launch on {{windows}}",
  },
  facts: ["windows"],
  check({ windows }) {
    const build = windows.identity.currentBuild;
    if (
      !windows.isWindows ||
      windows.identity.isServer !== true ||
      build === undefined ||
      build < SERVER_2016_BUILD
    )
      return [];
    const { ec2launchV2, ec2launchV1, ec2config } = windows.agents;
    if (ec2launchV2) return [];
    if (ec2launchV1) {
      return [
        {
          path: ec2launchV1.path,
          severity: "low",
          messageId: "v1Installed",
          evidence: windows.identity.productName,
        },
      ];
    }
    return [
      {
        path: ec2config?.path ?? windows.identity.source,
        messageId: ec2config ? "usesEc2Config" : "noEc2Launch",
        data: { windows: windows.identity.productName ?? `build ${build}` },
        evidence: `build ${build}`,
      },
    ];
  },
});
