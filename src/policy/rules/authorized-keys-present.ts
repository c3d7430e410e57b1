import { defineRule, type FindingDraft } from "../rule.js";

const messages = {
  readFor: "authorized key {{type}} {{fingerprint}}: sshd reads it for {{users}}",
  readForElsewhere:
    "authorized key {{type}} {{fingerprint}}: sshd reads it for {{users}} (non-default AuthorizedKeysFile location)",
  unowned:
    "authorized key {{type}} {{fingerprint}}: no account in passwd reads it, but it ships in the image",
  command:
    "sshd asks AuthorizedKeysCommand {{command}} for keys; make sure it grants no one outside the customer's account",
  commandInMatch:
    "sshd asks AuthorizedKeysCommand {{command}} (Match {{match}}) for keys; make sure it grants no one outside the customer's account",
};

export default defineRule({
  id: "authorized-keys-present",
  title: "Authorized SSH keys are baked into the image",
  clauses: ["ACC-2", "SHR-2"],
  severity: "high",
  description:
    "Every authorized_keys file sshd would read for any account in passwd (service accounts included, at the effective AuthorizedKeysFile locations), and any left behind elsewhere, must be empty: a key in the image lets its holder into every instance.",
  remediation:
    "Delete the authorized_keys files (and their keys) before bundling; EC2 installs the launching key pair at first boot.",
  fix: "ssh-authorized-keys",
  messages,
  facts: ["authorizedKeys"],
  check({ authorizedKeys }) {
    const out: FindingDraft<keyof typeof messages>[] = [];
    for (const file of authorizedKeys.files) {
      const messageId =
        file.users.length === 0 ? "unowned" : file.defaultLocation ? "readFor" : "readForElsewhere";
      for (const key of file.keys) {
        out.push({
          path: file.path,
          line: key.line,
          messageId,
          data: { type: key.type, fingerprint: key.fingerprint, users: file.users.join(", ") },
          evidence: [key.type, key.fingerprint, key.comment].filter((s) => s !== "").join(" "),
          ...(file.users.length === 0 ? { severity: "medium" as const } : {}),
        });
      }
    }
    for (const c of authorizedKeys.commands) {
      out.push({
        ...(c.path !== undefined ? { path: c.path } : {}),
        ...(c.line !== undefined ? { line: c.line } : {}),
        messageId: c.match ? "commandInMatch" : "command",
        data: { command: c.command, match: c.match },
        evidence: c.command,
        severity: "info",
        // The command is the seller's to judge; ssh-authorized-keys removes key files only.
        fixable: false,
      });
    }
    return out;
  },
});
