import { defineRule, type FindingDraft } from "../rule.js";
import { describeSetting, settingPlace, winningEvidence } from "../sshd-evidence.js";

const messages = {
  rootLogin: "PermitRootLogin is yes in the effective sshd configuration",
  rootLoginMatch: "A Match block (Match {{match}}) sets PermitRootLogin yes",
};

export default defineRule({
  id: "ssh-root-login",
  title: "SSH allows root to log in with a password",
  clauses: ["LNX-1"],
  severity: "high",
  description:
    "PermitRootLogin yes lets root log in over SSH with any method, passwords included. " +
    "prohibit-password (OpenSSH's default since 7.0; without-password is its old name), forced-commands-only " +
    "and no pass: the Marketplace asks that root functions go through sudo, while the EC2 guide to sharing " +
    "AMIs accepts without-password, and key-only root login is not password-based remote root login, so " +
    "this rule follows the narrower reading and leaves key-only root login to the publisher.",
  remediation:
    "Set PermitRootLogin prohibit-password (or no) where sshd reads it first, and administer through sudo " +
    "from the default user.",
  fix: "sshd-root-login",
  messages,
  facts: ["sshd"],
  check({ sshd }) {
    if (!sshd.installed) return [];
    const out: FindingDraft<keyof typeof messages>[] = [];
    const root = sshd.get("PermitRootLogin")!;
    if (root.value === "yes")
      out.push({
        ...settingPlace(sshd, root),
        messageId: "rootLogin",
        evidence: winningEvidence(sshd, root, (v) => v !== "yes"),
      });
    for (const c of sshd.conditional)
      if (c.keyword === "PermitRootLogin" && c.value === "yes")
        out.push({
          ...settingPlace(sshd, c),
          severity: "medium",
          messageId: "rootLoginMatch",
          data: { match: c.match },
          evidence: `${describeSetting(c)} inside Match ${c.match}`,
        });
    return out;
  },
});
