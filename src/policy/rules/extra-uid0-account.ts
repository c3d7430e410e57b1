import { defineRule } from "../rule.js";

export default defineRule({
  id: "extra-uid0-account",
  title: "An account other than root has uid 0",
  clauses: ["LNX-1", "ACC-2"],
  severity: "high",
  description:
    "A second account with uid 0 is root under another name: it bypasses sudo and is a classic backdoor (root functions only via sudo from a user account).",
  remediation: "Remove the account, or give it its own uid and sudo rights if it is a real administrator.",
  messages: {
    loginShell: "{{user}} has uid 0 (login shell {{shell}}, password {{password}})",
    noLoginShell: "{{user}} has uid 0 (no login shell, password {{password}})",
  },
  facts: ["accounts"],
  check({ accounts }) {
    return accounts.users
      .filter((u) => u.uid === 0 && u.name !== "root")
      .map((u) => ({
        path: u.source.path,
        line: u.source.line,
        messageId: u.hasLoginShell ? "loginShell" : "noLoginShell",
        data: { user: u.name, shell: u.shell || "/bin/sh", password: u.password.kind },
        evidence: `${u.name}:x:0:${u.gid}`,
      }));
  },
});
