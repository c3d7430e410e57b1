import { defineRule } from "../rule.js";

export default defineRule({
  id: "blank-password",
  title: "An account with a login shell has a blank password",
  clauses: ["SEC-3", "ACC-2", "SHR-3"],
  severity: "high",
  description:
    "An account other than root has an empty password field and a login shell: it logs in (console, su, and SSH where PermitEmptyPasswords allows) without any password, the opposite of key-pair-only access.",
  remediation:
    "Lock the account's password (`passwd -l <user>`) or give it a no-login shell if it is a service account.",
  fix: "lock-passwords",
  messages: {
    emptyPassword: "{{user}} (uid {{uid}}, shell {{shell}}) has an empty password",
  },
  facts: ["accounts"],
  check({ accounts }) {
    return accounts.users
      .filter((u) => u.name !== "root" && u.hasLoginShell && u.password.kind === "empty")
      .map((u) => ({
        path: u.passwordSource?.path ?? u.source.path,
        line: u.passwordSource?.line ?? u.source.line,
        messageId: "emptyPassword",
        data: { user: u.name, uid: u.uid, shell: u.shell || "/bin/sh" },
        evidence: `${u.name}::`,
      }));
  },
});
