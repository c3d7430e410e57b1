import { defineRule, type FindingDraft } from "../rule.js";

const messages = {
  v2StaticPassword: "EC2Launch v2 setAdminAccount uses a static password",
  v1SpecifiedPassword: "EC2Launch v1 sets a specified administrator password",
};

export default defineRule({
  id: "win-fixed-admin-password",
  title: "Launch agent sets a fixed administrator password",
  clauses: ["ACC-3"],
  severity: "critical",
  fix: "windows-ec2launch-password",
  description:
    "EC2Launch v2 setAdminAccount with password type static, or EC2Launch v1 adminPasswordType Specify, gives every instance the same administrator password chosen when the image was built.",
  remediation:
    "Use password type random in EC2Launch v2's setAdminAccount (or adminPasswordType Random in EC2Launch v1) so each instance gets its own password, retrievable with the key pair.",
  messages,
  facts: ["windows"],
  check({ windows }) {
    if (!windows.isWindows) return [];
    const out: FindingDraft<keyof typeof messages>[] = [];
    const v2 = windows.agents.ec2launchV2;
    if (v2?.setAdminAccount?.passwordType?.toLowerCase() === "static") {
      out.push({
        path: v2.path,
        messageId: "v2StaticPassword",
        evidence: "password.type: static",
      });
    }
    const v1 = windows.agents.ec2launchV1;
    if (v1?.adminPasswordType?.toLowerCase() === "specify") {
      out.push({
        path: v1.path,
        messageId: "v1SpecifiedPassword",
        evidence: "adminPasswordType: Specify",
      });
    }
    return out;
  },
});
