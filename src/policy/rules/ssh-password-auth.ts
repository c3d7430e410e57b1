import type { SshdConnection, SshdFacts } from "../../inspect/ssh.js";
import { defineRule, type FindingDraft } from "../rule.js";
import {
  blame,
  describeSetting,
  isConditional,
  matchOf,
  methodsAllow,
  type Offence,
  offences,
  settingPlace,
  winningEvidence,
} from "../sshd-evidence.js";

const messages = {
  passwordAuth: "PasswordAuthentication is yes in the effective sshd configuration",
  passwordAuthDefault: "PasswordAuthentication is not set: OpenSSH's default is yes",
  passwordAuthMatch: "A Match block (Match {{match}}) re-enables PasswordAuthentication",
  kbdInteractive: "KbdInteractiveAuthentication is yes with UsePAM yes: PAM asks for passwords",
  kbdInteractiveMatch:
    "A Match block (Match {{match}}) re-enables KbdInteractiveAuthentication with UsePAM yes",
  methodsMatch: "A Match block (Match {{match}}) allows {{method}} logins: AuthenticationMethods {{methods}}",
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
    "An AuthenticationMethods line that names neither method makes them unusable, and one in a Match block " +
    "that names them lets them back in for the connections it matches. Each setting is judged by the " +
    "connections it reaches, as sshd applies Match blocks (users, groups, hosts, addresses, ports): a Match " +
    "block reaching every connection, or every connection of root, is as serious as a global setting.",
  remediation:
    "Set PasswordAuthentication no and KbdInteractiveAuthentication no where sshd reads them first: drop-ins " +
    "included at the top of sshd_config (sshd_config.d/*.conf) beat later lines of the main file.",
  fix: "sshd-password-auth",
  messages,
  facts: ["sshd"],
  check({ sshd }) {
    // A configuration sshd refuses is sshd-config-refused's finding; nothing here is served.
    if (!sshd.installed || sshd.refused) return [];
    const out: FindingDraft<keyof typeof messages>[] = [];
    // Root logs in with a password only where PermitRootLogin is yes for that connection.
    const rootAllows = (c: SshdConnection) =>
      c.user !== "root" || sshd.forConnection("PermitRootLogin", c)?.value === "yes";
    const severity = (o: Offence) => (o.everyone || o.root ? {} : { severity: "medium" as const });
    const passwords = offences(sshd, (c) => {
      const pw = sshd.forConnection("PasswordAuthentication", c)!;
      const am = sshd.forConnection("AuthenticationMethods", c);
      if (pw.value !== "yes" || !methodsAllow(am, "password") || !rootAllows(c)) return undefined;
      return blame(pw, am);
    });
    for (const o of passwords) {
      const s = o.setting;
      if (s.keyword === "AuthenticationMethods") out.push(methodsFinding(sshd, o, "password"));
      else if (isConditional(s))
        out.push({
          ...settingPlace(sshd, s),
          ...severity(o),
          messageId: "passwordAuthMatch",
          data: { match: matchOf(s) },
          evidence: `${describeSetting(s)} inside Match ${matchOf(s)}`,
        });
      else
        out.push({
          ...settingPlace(sshd, s),
          messageId: s.isDefault ? "passwordAuthDefault" : "passwordAuth",
          evidence: winningEvidence(sshd, s, (v) => v === "no"),
        });
    }
    const pam = sshd.get("UsePAM")!;
    if (pam.value !== "yes") return out;
    const keyboard = offences(sshd, (c) => {
      const kbd = sshd.forConnection("KbdInteractiveAuthentication", c)!;
      const am = sshd.forConnection("AuthenticationMethods", c);
      if (kbd.value !== "yes" || !methodsAllow(am, "keyboard-interactive") || !rootAllows(c))
        return undefined;
      return blame(kbd, am);
    });
    for (const o of keyboard) {
      const s = o.setting;
      if (s.keyword === "AuthenticationMethods") out.push(methodsFinding(sshd, o, "keyboard-interactive"));
      else if (isConditional(s))
        out.push({
          ...settingPlace(sshd, s),
          ...severity(o),
          messageId: "kbdInteractiveMatch",
          data: { match: matchOf(s) },
          evidence: `${describeSetting(s)} inside Match ${matchOf(s)}; ${describeSetting(pam)}`,
        });
      else
        out.push({
          ...settingPlace(sshd, s.isDefault ? pam : s),
          messageId: "kbdInteractive",
          evidence: `${winningEvidence(sshd, s, (v) => v === "no")}; ${describeSetting(pam)}`,
        });
    }
    return out;
  },
});

/** A Match block whose AuthenticationMethods let passwords in where the global ones did not. */
function methodsFinding(sshd: SshdFacts, o: Offence, method: string): FindingDraft<keyof typeof messages> {
  const s = o.setting;
  return {
    ...settingPlace(sshd, s),
    ...(o.everyone || o.root ? {} : { severity: "medium" as const }),
    messageId: "methodsMatch",
    data: { match: matchOf(s), methods: s.value, method },
    evidence: `${describeSetting(s)} inside Match ${matchOf(s)}`,
  };
}
