import { defineRule } from "../rule.js";

export default defineRule({
  id: "root-password-set",
  title: "root has a usable password",
  clauses: ["LNX-1"],
  severity: "high",
  description:
    "root has a usable password hash. Root functions must go through sudo from a user account; a root password is a credential baked into every instance.",
  remediation: "Lock root's password (`passwd -l root`) and give the default user sudo instead.",
  fix: "lock-root-password",
  messages: {
    passwordHash: "root has a {{scheme}} password hash",
  },
  facts: ["accounts"],
  check({ accounts }) {
    return accounts.users.flatMap((u) =>
      u.name === "root" && u.password.kind === "hash"
        ? [
            {
              path: u.passwordSource?.path ?? u.source.path,
              line: u.passwordSource?.line ?? u.source.line,
              messageId: "passwordHash",
              data: { scheme: u.password.scheme },
              evidence: `root:${u.password.scheme} hash`,
            },
          ]
        : [],
    );
  },
});
