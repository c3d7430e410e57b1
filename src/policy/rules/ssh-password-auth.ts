import { defineRule, type FindingDraft } from "../rule.js";
import { describeSetting, methodAllowed, settingPlace, winningEvidence } from "../sshd-evidence.js";

const messages = {
  passwordAuth: "PasswordAuthentication is yes in the effective sshd configuration",
  passwordAuthDefault: "PasswordAuthentication is not set: OpenSSH's default is yes",
  passwordAuthMatch: "A Match block (Match {{match}}) re-enables PasswordAuthentication",
  kbdInteractive: "KbdInteractiveAuthentication is yes with UsePAM yes: PAM asks for passwords",
  kbdInteractiveMatch:
    "A Match block (Match {{match}}) re-enables KbdInteractiveAuthentication with UsePAM yes",
};

export default defineRule({
  id: "ssh-password-auth",
  title: "SSH accepts passwords",
  clauses: ["SEC-7", "SEC-3"],
  severity: "high",
  description:
    "The effective sshd configuration must refuse passwords: PasswordAuthentication must be no where sshd " +
    "reads it first (OpenSSH's default is yes), no Match block may turn it back on, and keyboard-interactive " +
    "authentication through PAM (KbdInteractiveAuthentication yes with UsePAM yes) asks for the same passwords. " +
    "An AuthenticationMethods line that names neither method makes them unusable.",
  remediation:
    "Set PasswordAuthentication no and KbdInteractiveAuthentication no where sshd reads them first: drop-ins " +
    "included at the top of sshd_config (sshd_config.d/*.conf) beat later lines of the main file.",
  fix: "sshd-password-auth",
  messages,
  facts: ["sshd"],
  check({ sshd }) {
    if (!sshd.installed) return [];
    const out: FindingDraft<keyof typeof messages>[] = [];
    const pw = sshd.get("PasswordAuthentication")!;
    if (methodAllowed(sshd, "password")) {
      if (pw.value === "yes") {
        out.push({
          ...settingPlace(sshd, pw),
          messageId: pw.isDefault ? "passwordAuthDefault" : "passwordAuth",
          evidence: winningEvidence(sshd, pw, (v) => v === "no"),
        });
      } else {
        for (const c of sshd.conditional)
          if (c.keyword === "PasswordAuthentication" && c.value === "yes")
            out.push({
              ...settingPlace(sshd, c),
              severity: "medium",
              messageId: "passwordAuthMatch",
              data: { match: c.match },
              evidence: `${describeSetting(c)} inside Match ${c.match}`,
            });
      }
    }
    const kbd = sshd.get("KbdInteractiveAuthentication")!;
    const pam = sshd.get("UsePAM")!;
    if (pam.value === "yes" && methodAllowed(sshd, "keyboard-interactive")) {
      if (kbd.value === "yes") {
        out.push({
          ...settingPlace(sshd, kbd.isDefault ? pam : kbd),
          messageId: "kbdInteractive",
          evidence: `${winningEvidence(sshd, kbd, (v) => v === "no")}; ${describeSetting(pam)}`,
        });
      } else {
        for (const c of sshd.conditional)
          if (c.keyword === "KbdInteractiveAuthentication" && c.value === "yes")
            out.push({
              ...settingPlace(sshd, c),
              severity: "medium",
              messageId: "kbdInteractiveMatch",
              data: { match: c.match },
              evidence: `${describeSetting(c)} inside Match ${c.match}; ${describeSetting(pam)}`,
            });
      }
    }
    return out;
  },
});
