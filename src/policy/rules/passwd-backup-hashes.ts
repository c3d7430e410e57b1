import { defineRule } from "../rule.js";

export default defineRule({
  id: "passwd-backup-hashes",
  title: "A backup of the account files holds password hashes",
  clauses: ["SEC-4", "SHR-3"],
  severity: "medium",
  description:
    "/etc/shadow- and similar backups keep the previous password hashes after a password is locked or an account removed: the credential stays in the image.",
  remediation:
    "Delete the backup files (/etc/shadow-, /etc/gshadow-, /etc/passwd-) before bundling; they are recreated on the next change.",
  fix: "remove-passwd-backups",
  messages: {
    backupHash: "{{file}} keeps a {{scheme}} password hash for {{account}}",
  },
  facts: ["accounts"],
  check({ accounts }) {
    return accounts.backupHashes.map((b) => ({
      path: b.path,
      line: b.line,
      messageId: "backupHash",
      data: { file: b.path, scheme: b.scheme, account: b.account },
      evidence: `${b.account}:${b.scheme} hash`,
    }));
  },
});
