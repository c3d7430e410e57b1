import { debianText, withField } from "../../../test/support/debian-files.js";
import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./blank-password.js";

const shadow = debianText("/etc/shadow");
const passwd = debianText("/etc/passwd");

testRule(rule, {
  valid: [
    { name: "clean Debian", changes: {} },
    {
      name: "blank service account with nologin",
      changes: { "/etc/shadow": withField(shadow, "daemon", 1, "") },
    },
    { name: "blank root (its own rule)", changes: { "/etc/shadow": withField(shadow, "root", 1, "") } },
  ],
  invalid: [
    {
      name: "default user with an empty shadow field",
      changes: { "/etc/shadow": withField(shadow, "admin", 1, "") },
      findings: [
        {
          path: "/etc/shadow",
          line: 20,
          severity: "high",
          message: "admin (uid 1000, shell /bin/bash) has an empty password",
          evidence: "admin::",
        },
      ],
    },
    {
      name: "new account with an empty passwd field and an empty shell",
      changes: { "/etc/passwd": `${passwd}guest::1001:1001::/home/guest:\n` },
      findings: [
        { path: "/etc/passwd", line: 21, message: "guest (uid 1001, shell /bin/sh) has an empty password" },
      ],
    },
  ],
});
