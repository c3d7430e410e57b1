import { defineRule } from "../rule.js";

export default defineRule({
  id: "password-hash-login-user",
  title: "An account with a login shell has a password",
  clauses: ["ACC-2", "SEC-3", "SHR-3"],
  severity: "high",
  description:
    "An account other than root has a login shell and a usable password hash: a password every instance shares (Marketplace rejects images with authorized passwords; access is by key pair only).",
  remediation:
    "Lock the password (`passwd -l <user>`, which keeps the hash unusable) or remove the account; log in with the launch key pair.",
  fix: "lock-passwords",
  messages: {
    passwordHash: "{{user}} (uid {{uid}}, shell {{shell}}) has a {{scheme}} password hash",
  },
  facts: ["accounts"],
  check({ accounts }) {
    return accounts.users.flatMap((u) =>
      u.name !== "root" && u.hasLoginShell && u.password.kind === "hash"
        ? [
            {
              path: u.passwordSource?.path ?? u.source.path,
              line: u.passwordSource?.line ?? u.source.line,
              messageId: "passwordHash",
              data: { user: u.name, uid: u.uid, shell: u.shell || "/bin/sh", scheme: u.password.scheme },
              evidence: `${u.name}:${u.password.scheme} hash`,
            },
          ]
        : [],
    );
  },
});
