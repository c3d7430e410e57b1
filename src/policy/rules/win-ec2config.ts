import { defineRule, type FindingDraft } from "../rule.js";
import { SERVER_2016_BUILD } from "./win-ec2launch.js";

const REQUIRED_PLUGINS = ["Ec2SetPassword", "Ec2WindowsActivate", "Ec2HandleUserData"];

const messages = {
  noEc2Config: "No EC2Config on {{windows}}",
  pluginState: "EC2Config plugin {{plugin}} is {{state}}",
  pluginMissing: "EC2Config plugin {{plugin}} is missing",
};

export default defineRule({
  id: "win-ec2config",
  title: "Windows Server 2012 R2 and earlier need EC2Config with password, activation and user data enabled",
  clauses: ["WIN-2"],
  severity: "high",
  description:
    "Older Windows Server AMIs are launched by EC2Config; Marketplace requires its Ec2SetPassword, Ec2WindowsActivate and Ec2HandleUserData plugins enabled so every instance gets a fresh password, activation and user data. EC2Launch v2 (which supports 2012 R2) is accepted instead.",
  remediation:
    "Install the latest EC2Config and set Ec2SetPassword, Ec2WindowsActivate and Ec2HandleUserData to Enabled in Program Files\\Amazon\\Ec2ConfigService\\Settings\\config.xml (or install EC2Launch v2).",
  messages,
  facts: ["windows"],
  check({ windows }) {
    const build = windows.identity.currentBuild;
    if (
      !windows.isWindows ||
      windows.identity.isServer !== true ||
      build === undefined ||
      build >= SERVER_2016_BUILD
    )
      return [];
    const { ec2config, ec2launchV2 } = windows.agents;
    if (ec2launchV2) return [];
    if (!ec2config) {
      return [
        {
          path: windows.identity.source,
          messageId: "noEc2Config",
          data: { windows: windows.identity.productName ?? `build ${build}` },
          evidence: `build ${build}`,
        },
      ];
    }
    const out: FindingDraft<keyof typeof messages>[] = [];
    for (const plugin of REQUIRED_PLUGINS) {
      const state = ec2config.plugins[plugin];
      if (state !== "Enabled") {
        out.push({
          path: ec2config.path,
          ...(state
            ? { messageId: "pluginState" as const, data: { plugin, state } }
            : { messageId: "pluginMissing" as const, data: { plugin } }),
          evidence: `${plugin}=${state ?? ""}`,
        });
      }
    }
    return out;
  },
});
