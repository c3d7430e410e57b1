import { debianText, withField } from "../../../test/support/debian-files.js";
import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./root-password-blank.js";

const shadow = debianText("/etc/shadow");
const passwd = debianText("/etc/passwd");

testRule(rule, {
  valid: [
    { name: "clean Debian: root locked", changes: {} },
    {
      name: "root with a hash (another rule)",
      changes: { "/etc/shadow": withField(shadow, "root", 1, "$6$salt$abcdefgh") },
    },
    {
      name: "another account blank (another rule)",
      changes: { "/etc/shadow": withField(shadow, "admin", 1, "") },
    },
  ],
  invalid: [
    {
      name: "empty root field in shadow",
      changes: { "/etc/shadow": withField(shadow, "root", 1, "") },
      findings: [
        {
          path: "/etc/shadow",
          line: 1,
          severity: "critical",
          message: "root has an empty password field in /etc/shadow",
        },
      ],
    },
    {
      name: "empty root field in passwd and no shadow",
      changes: { "/etc/passwd": withField(passwd, "root", 1, ""), "/etc/shadow": { type: "deleted" } },
      findings: [
        { path: "/etc/passwd", line: 1, message: "root has an empty password field in /etc/passwd" },
      ],
    },
    {
      name: "empty root field in passwd wins over a locked shadow entry",
      changes: { "/etc/passwd": withField(passwd, "root", 1, "") },
      findings: [{ path: "/etc/passwd", line: 1, evidence: "root::" }],
    },
  ],
});
