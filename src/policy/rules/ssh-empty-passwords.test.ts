import { testRule } from "../../../test/support/rule-tester.js";
import { BASELINE, MAIN, mainWith } from "../../../test/support/ssh-test-trees.js";
import rule from "./ssh-empty-passwords.js";

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs (default no)", changes: {} },
    {
      name: "explicit no",
      changes: { [MAIN]: mainWith("#PermitEmptyPasswords no", "PermitEmptyPasswords no") },
    },
    {
      name: "an earlier no wins over a later yes",
      changes: {
        [BASELINE]: "PermitEmptyPasswords no\n",
        [MAIN]: mainWith("#PermitEmptyPasswords no", "PermitEmptyPasswords yes"),
      },
    },
  ],
  invalid: [
    {
      name: "PermitEmptyPasswords yes in the main file",
      changes: { [MAIN]: mainWith("#PermitEmptyPasswords no", "PermitEmptyPasswords yes") },
      findings: [
        {
          path: MAIN,
          line: 58,
          severity: "critical",
          message: "PermitEmptyPasswords is yes in the effective sshd configuration",
          evidence: `PermitEmptyPasswords yes at ${MAIN}:58`,
        },
      ],
    },
    {
      name: "PermitEmptyPasswords yes inside a Match block of an included file",
      changes: { "/etc/ssh/sshd_config.d/70-kiosk.conf": "Match User kiosk\n  PermitEmptyPasswords yes\n" },
      findings: [
        {
          path: "/etc/ssh/sshd_config.d/70-kiosk.conf",
          line: 2,
          severity: "high",
          message: "A Match block (Match User kiosk) sets PermitEmptyPasswords yes",
          evidence:
            "PermitEmptyPasswords yes at /etc/ssh/sshd_config.d/70-kiosk.conf:2 inside Match User kiosk",
        },
      ],
    },
    {
      name: "a Match block for root alone is as serious as a global yes",
      changes: { "/etc/ssh/sshd_config.d/70-root.conf": "Match User root\n  PermitEmptyPasswords yes\n" },
      findings: [
        {
          path: "/etc/ssh/sshd_config.d/70-root.conf",
          line: 2,
          severity: "critical",
          messageId: "emptyPasswordsMatch",
          data: { match: "User root" },
        },
      ],
    },
    {
      name: "Match Address * reaches every connection",
      changes: { "/etc/ssh/sshd_config.d/70-all.conf": "Match Address *\n  PermitEmptyPasswords yes\n" },
      findings: [
        {
          path: "/etc/ssh/sshd_config.d/70-all.conf",
          line: 2,
          severity: "critical",
          messageId: "emptyPasswords",
          evidence: "PermitEmptyPasswords yes at /etc/ssh/sshd_config.d/70-all.conf:2 (Match Address *)",
        },
      ],
    },
  ],
});
