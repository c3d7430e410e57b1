import { debianText, withField } from "../../../test/support/debian-files.js";
import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./root-password-set.js";

const shadow = debianText("/etc/shadow");

testRule(rule, {
  valid: [
    { name: "clean Debian: root locked with !*", changes: {} },
    {
      name: "root locked with a kept hash",
      changes: { "/etc/shadow": withField(shadow, "root", 1, "!$6$salt$abcdefgh") },
    },
    { name: "root blank (its own rule)", changes: { "/etc/shadow": withField(shadow, "root", 1, "") } },
  ],
  invalid: [
    {
      name: "root with a sha512crypt hash",
      changes: { "/etc/shadow": withField(shadow, "root", 1, "$6$salt$abcdefgh") },
      findings: [
        {
          path: "/etc/shadow",
          line: 1,
          severity: "high",
          message: "root has a sha512crypt password hash",
          evidence: "root:sha512crypt hash",
        },
      ],
    },
  ],
});
