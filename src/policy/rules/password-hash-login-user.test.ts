import { debianText, withField } from "../../../test/support/debian-files.js";
import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./password-hash-login-user.js";

const shadow = debianText("/etc/shadow");
const passwd = debianText("/etc/passwd");
const HASH = "$y$j9T$Q2xSZ6Dk4qWlz0mB1$0o3p3hN1cU9fJ5cVuXJ7KqUq5mJQm7nH9eWb0b9v6x/";

testRule(rule, {
  valid: [
    { name: "clean Debian: admin locked", changes: {} },
    { name: "a locked hash", changes: { "/etc/shadow": withField(shadow, "admin", 1, `!${HASH}`) } },
    {
      name: "a hash on a nologin account",
      changes: { "/etc/shadow": withField(shadow, "www-data", 1, HASH) },
    },
    { name: "root's hash (its own rule)", changes: { "/etc/shadow": withField(shadow, "root", 1, HASH) } },
  ],
  invalid: [
    {
      name: "default user with a yescrypt hash (TurnKey's rejection)",
      changes: { "/etc/shadow": withField(shadow, "admin", 1, HASH) },
      findings: [
        {
          path: "/etc/shadow",
          line: 20,
          severity: "high",
          message: "admin (uid 1000, shell /bin/bash) has a yescrypt password hash",
          evidence: "admin:yescrypt hash",
        },
      ],
    },
    {
      name: "a DES hash straight in passwd",
      changes: { "/etc/passwd": `${passwd}legacy:abJnggxhB/yWI:1001:1001::/home/legacy:/bin/sh\n` },
      findings: [
        {
          path: "/etc/passwd",
          line: 21,
          message: "legacy (uid 1001, shell /bin/sh) has a descrypt password hash",
        },
      ],
    },
  ],
});
