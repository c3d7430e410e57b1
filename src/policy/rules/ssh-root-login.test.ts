import { testRule } from "../../../test/support/rule-tester.js";
import { BASELINE, debianFile, MAIN, mainWith } from "../../../test/support/ssh-test-trees.js";
import rule from "./ssh-root-login.js";

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs (prohibit-password)", changes: {} },
    {
      name: "unset: OpenSSH's default is prohibit-password",
      changes: { [BASELINE]: "PasswordAuthentication no\n" },
    },
    { name: "without-password, the old name", changes: { [BASELINE]: "PermitRootLogin without-password\n" } },
    { name: "forced-commands-only", changes: { [BASELINE]: "PermitRootLogin forced-commands-only\n" } },
    {
      name: "a later yes in the main file loses to the drop-in",
      changes: { [MAIN]: mainWith("#PermitRootLogin prohibit-password", "PermitRootLogin yes") },
    },
    {
      name: "a Match block that can never apply to root (Match User deploy)",
      changes: { [MAIN]: `${debianFile(MAIN)}Match User deploy\n\tPermitRootLogin yes\n` },
    },
    {
      name: "a Match block that excludes root (Match User *,!root)",
      changes: { [MAIN]: `${debianFile(MAIN)}Match User *,!root\n\tPermitRootLogin yes\n` },
    },
    {
      name: "a configuration sshd refuses is judged by sshd-config-refused alone",
      changes: { [BASELINE]: "PermitRootLogin yes\nPermitRootLogin\n" },
    },
  ],
  invalid: [
    {
      name: "PermitRootLogin yes in a drop-in read first",
      changes: { "/etc/ssh/sshd_config.d/01-seller.conf": "PermitRootLogin Yes\n" },
      findings: [
        {
          path: "/etc/ssh/sshd_config.d/01-seller.conf",
          line: 1,
          severity: "high",
          message: "PermitRootLogin is yes in the effective sshd configuration",
          evidence: `PermitRootLogin yes at /etc/ssh/sshd_config.d/01-seller.conf:1 wins over PermitRootLogin prohibit-password at ${BASELINE}:2 (sshd keeps the first value it reads)`,
        },
      ],
    },
    {
      name: "PermitRootLogin yes for some addresses",
      changes: { [MAIN]: `${debianFile(MAIN)}Match Address 10.0.0.0/8\n\tPermitRootLogin yes\n` },
      findings: [
        {
          path: MAIN,
          line: 124,
          severity: "medium",
          message: "A Match block (Match Address 10.0.0.0/8) sets PermitRootLogin yes",
        },
      ],
    },
    {
      name: "Match User root is as serious as a global yes",
      changes: { [MAIN]: `${debianFile(MAIN)}Match User root\n\tPermitRootLogin yes\n` },
      findings: [
        {
          path: MAIN,
          line: 124,
          severity: "high",
          messageId: "rootLoginMatch",
          data: { match: "User root" },
          evidence: `PermitRootLogin yes at ${MAIN}:124 inside Match User root`,
        },
      ],
    },
    {
      name: "Match User * reaches every connection: a global yes",
      changes: { [MAIN]: `${debianFile(MAIN)}Match User *\n\tPermitRootLogin yes\n` },
      findings: [
        {
          path: MAIN,
          line: 124,
          severity: "high",
          messageId: "rootLogin",
          evidence: `PermitRootLogin yes at ${MAIN}:124 (Match User *) wins over PermitRootLogin prohibit-password at ${BASELINE}:2 (sshd keeps the first value it reads)`,
        },
      ],
    },
  ],
});
