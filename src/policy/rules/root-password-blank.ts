import { defineRule } from "../rule.js";

export default defineRule({
  id: "root-password-blank",
  title: "root has a blank password",
  clauses: ["LNX-2"],
  severity: "critical",
  description:
    'root\'s password field is empty: in /etc/shadow, or in /etc/passwd when that field is used (anything but "x"). Anyone at the console, and su from any account, becomes root without a password.',
  remediation:
    "Lock root's password (`passwd -l root`, or `!*` in the /etc/shadow field); administer through sudo.",
  fix: "lock-root-password",
  messages: {
    emptyPassword: "root has an empty password field in {{file}}",
  },
  facts: ["accounts"],
  check({ accounts }) {
    return accounts.users
      .filter((u) => u.name === "root" && u.password.kind === "empty")
      .map((u) => ({
        path: u.passwordSource?.path ?? u.source.path,
        line: u.passwordSource?.line ?? u.source.line,
        messageId: "emptyPassword",
        data: { file: u.passwordSource?.path ?? u.source.path },
        evidence: "root::",
      }));
  },
});
