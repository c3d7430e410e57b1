import { defineRule, type FindingDraft } from "../rule.js";
import {
  describeSetting,
  isConditional,
  matchOf,
  offences,
  settingPlace,
  winningEvidence,
} from "../sshd-evidence.js";

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
    if (!sshd.installed || sshd.refused) return [];
    const out: FindingDraft<keyof typeof messages>[] = [];
    const found = offences(sshd, (c) => {
      const empty = sshd.forConnection("PermitEmptyPasswords", c)!;
      return empty.value === "yes" ? empty : undefined;
    });
    for (const o of found) {
      const s = o.setting;
      if (!isConditional(s))
        out.push({
          ...settingPlace(sshd, s),
          messageId: "emptyPasswords",
          evidence: winningEvidence(sshd, s, (v) => v === "no"),
        });
      else
        out.push({
          ...settingPlace(sshd, s),
          // Every connection (Match User *), or every connection of root, is as serious as global.
          ...(o.everyone || o.root ? {} : { severity: "high" as const }),
          messageId: "emptyPasswordsMatch",
          data: { match: matchOf(s) },
          evidence: `${describeSetting(s)} inside Match ${matchOf(s)}`,
        });
    }
    return out;
  },
});
