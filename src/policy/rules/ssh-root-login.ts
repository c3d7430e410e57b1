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
    if (!sshd.installed || sshd.refused) return [];
    const out: FindingDraft<keyof typeof messages>[] = [];
    // Only root's connections count: a Match block that never reaches root lets no root in.
    const found = offences(sshd, (c) => {
      if (c.user !== "root") return undefined;
      const root = sshd.forConnection("PermitRootLogin", c)!;
      return root.value === "yes" ? root : undefined;
    });
    for (const o of found) {
      const s = o.setting;
      if (!isConditional(s))
        out.push({
          ...settingPlace(sshd, s),
          messageId: "rootLogin",
          evidence: winningEvidence(sshd, s, (v) => v !== "yes"),
        });
      else
        out.push({
          ...settingPlace(sshd, s),
          // Every connection of root (Match User root) is as serious as a global yes.
          ...(o.root ? {} : { severity: "medium" as const }),
          messageId: "rootLoginMatch",
          data: { match: matchOf(s) },
          evidence: `${describeSetting(s)} inside Match ${matchOf(s)}`,
        });
    }
    return out;
  },
});
