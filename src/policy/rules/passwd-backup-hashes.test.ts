import { debianText, withField } from "../../../test/support/debian-files.js";
import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./passwd-backup-hashes.js";

const shadowBackup = debianText("/etc/shadow-");

testRule(rule, {
  valid: [
    { name: "clean Debian: shadow- holds no hash", changes: {} },
    {
      name: "backup with a locked hash",
      changes: { "/etc/shadow-": withField(shadowBackup, "root", 1, "!$6$salt$abcdefgh") },
    },
  ],
  invalid: [
    {
      name: "root's old hash left in shadow-",
      changes: { "/etc/shadow-": withField(shadowBackup, "root", 1, "$6$salt$abcdefgh") },
      findings: [
        {
          path: "/etc/shadow-",
          line: 1,
          severity: "medium",
          message: "/etc/shadow- keeps a sha512crypt password hash for root",
        },
      ],
    },
  ],
});
