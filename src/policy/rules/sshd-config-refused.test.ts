import { testRule } from "../../../test/support/rule-tester.js";
import { BASELINE, debianFile, MAIN } from "../../../test/support/ssh-test-trees.js";
import rule from "./sshd-config-refused.js";

const appended = (extra: string) => `${debianFile(MAIN)}${extra}`;

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs", changes: {} },
    {
      name: 'a double-quoted keyword is a keyword: "PasswordAuthentication" no',
      changes: { [BASELINE]: '"PasswordAuthentication" no\n' },
    },
    {
      name: "UsePAM after Match all applies to everyone, as at the top",
      changes: { [MAIN]: appended("Match all\n  X11Forwarding no\n") },
    },
    {
      name: "AuthenticationMethods that an enabled method satisfies",
      changes: { [BASELINE]: "PasswordAuthentication no\nAuthenticationMethods password publickey\n" },
    },
    {
      name: "no sshd at all",
      changes: { "/usr/sbin/sshd": { type: "deleted" }, "/etc/ssh": { type: "deleted" } },
    },
  ],
  invalid: [
    {
      name: "a UTF-8 byte order mark before the first keyword",
      changes: { [BASELINE]: "\uFEFFPasswordAuthentication no\nPermitRootLogin prohibit-password\n" },
      findings: [
        {
          path: BASELINE,
          line: 1,
          severity: "high",
          messageId: "refused",
          data: {
            reason:
              'Bad configuration option: "\uFEFFPasswordAuthentication" (a UTF-8 byte order mark before it: sshd reads the mark as part of the keyword)',
          },
        },
      ],
    },
    {
      name: "UsePAM inside a Match block",
      changes: { [MAIN]: appended("Match User deploy\n  UsePAM no\n") },
      findings: [
        {
          path: MAIN,
          line: 124,
          messageId: "refused",
          data: { reason: "Directive 'UsePAM' is not allowed within a Match block" },
        },
      ],
    },
    {
      name: "AuthenticationMethods no enabled method satisfies (passwords are off)",
      changes: { [BASELINE]: "PasswordAuthentication no\nAuthenticationMethods password\n" },
      findings: [
        {
          path: BASELINE,
          line: 2,
          messageId: "refused",
          data: {
            reason: "AuthenticationMethods password cannot be satisfied by enabled authentication methods",
          },
          message:
            "sshd refuses to start with this configuration (AuthenticationMethods password cannot be satisfied by enabled authentication methods): the instance has no SSH at all",
        },
      ],
    },
    {
      name: "an unknown authentication method",
      changes: { [BASELINE]: "AuthenticationMethods publickey,Password\n" },
      findings: [
        {
          path: BASELINE,
          line: 1,
          data: { reason: "AuthenticationMethods: invalid AuthenticationMethods method list" },
        },
      ],
    },
    {
      name: "a misspelt keyword",
      changes: { [BASELINE]: "PasswordAuthentcation no\n" },
      findings: [
        { path: BASELINE, line: 1, data: { reason: 'Bad configuration option: "PasswordAuthentcation"' } },
      ],
    },
    {
      name: "a value sshd does not know",
      changes: { [BASELINE]: "PermitRootLogin without_password\n" },
      findings: [
        {
          path: BASELINE,
          line: 1,
          data: { reason: 'PermitRootLogin: unsupported option "without_password"' },
        },
      ],
    },
    {
      name: "a copy of the main file in its own drop-in directory: sftp defined twice",
      changes: { "/etc/ssh/sshd_config.d/99-copy.conf": debianFile(MAIN) },
      findings: [
        { path: MAIN, line: 115, messageId: "refused", data: { reason: "Subsystem 'sftp' already defined" } },
      ],
    },
    {
      name: "a drop-in that includes its own directory: sshd starts, but every connection ends",
      changes: {
        "/etc/ssh/sshd_config.d/99-more.conf": "Include /etc/ssh/sshd_config.d/*.conf\nX11Forwarding no\n",
      },
      findings: [
        {
          path: "/etc/ssh/sshd_config.d/99-more.conf",
          line: 1,
          severity: "high",
          messageId: "dropsEveryConnection",
          data: { reason: "Too many recursive configuration includes (more than 16)" },
        },
      ],
    },
    {
      name: "AuthenticationMethods any after a list, in a Match block: deploy's connections end",
      changes: { [MAIN]: appended("Match User deploy\n  AuthenticationMethods publickey any\n") },
      findings: [
        {
          path: MAIN,
          line: 124,
          severity: "medium",
          messageId: "dropsSomeConnections",
          data: { reason: '"any" must appear alone in AuthenticationMethods' },
        },
      ],
    },
  ],
});
