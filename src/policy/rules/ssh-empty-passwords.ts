import { defineRule, type FindingDraft } from "../rule.js";
import { describeSetting, settingPlace, winningEvidence } from "../sshd-evidence.js";

const messages = {
  emptyPasswords: "PermitEmptyPasswords is yes in the effective sshd configuration",
  emptyPasswordsMatch: "A Match block (Match {{match}}) sets PermitEmptyPasswords yes",
};

export default defineRule({
  id: "ssh-empty-passwords",
  title: "SSH accepts empty passwords",
  clauses: ["LNX-2", "SEC-3"],
  severity: "critical",
  description:
    "PermitEmptyPasswords yes lets any account whose password field is empty log in over SSH with no " +
    "password at all (OpenSSH's default is no).",
  remediation: "Remove PermitEmptyPasswords yes (or set it to no) in every sshd configuration file.",
  messages,
  facts: ["sshd"],
  check({ sshd }) {
    if (!sshd.installed) return [];
    const out: FindingDraft<keyof typeof messages>[] = [];
    const empty = sshd.get("PermitEmptyPasswords")!;
    if (empty.value === "yes")
      out.push({
        ...settingPlace(sshd, empty),
        messageId: "emptyPasswords",
        evidence: winningEvidence(sshd, empty, (v) => v === "no"),
      });
    for (const c of sshd.conditional)
      if (c.keyword === "PermitEmptyPasswords" && c.value === "yes")
        out.push({
          ...settingPlace(sshd, c),
          severity: "high",
          messageId: "emptyPasswordsMatch",
          data: { match: c.match },
          evidence: `${describeSetting(c)} inside Match ${c.match}`,
        });
    return out;
  },
});
