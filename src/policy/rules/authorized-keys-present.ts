import { defineRule, type FindingDraft } from "../rule.js";

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
  facts: ["authorizedKeys"],
  check({ authorizedKeys }) {
    const out: FindingDraft[] = [];
    for (const file of authorizedKeys.files) {
      const whose =
        file.users.length === 0
          ? "no account in passwd reads it, but it ships in the image"
          : `sshd reads it for ${file.users.join(", ")}${file.defaultLocation ? "" : " (non-default AuthorizedKeysFile location)"}`;
      for (const key of file.keys) {
        out.push({
          path: file.path,
          line: key.line,
          message: `authorized key ${key.type} ${key.fingerprint}: ${whose}`,
          evidence: [key.type, key.fingerprint, key.comment].filter((s) => s !== "").join(" "),
          ...(file.users.length === 0 ? { severity: "medium" as const } : {}),
        });
      }
    }
    for (const c of authorizedKeys.commands) {
      out.push({
        ...(c.path !== undefined ? { path: c.path } : {}),
        ...(c.line !== undefined ? { line: c.line } : {}),
        message: `sshd asks AuthorizedKeysCommand ${c.command}${c.match ? ` (Match ${c.match})` : ""} for keys; make sure it grants no one outside the customer's account`,
        evidence: c.command,
        severity: "info",
      });
    }
    return out;
  },
});
