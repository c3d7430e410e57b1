import { testRule } from "../../../test/support/rule-tester.js";
import { BASELINE, debianFile, MAIN, mainWith } from "../../../test/support/ssh-test-trees.js";
import rule from "./ssh-password-auth.js";

const CLOUD_INIT_DROPIN = "/etc/ssh/sshd_config.d/50-cloud-init.conf";
// Debian's main file has 122 lines; appended lines start at 123.
const appended = (extra: string) => `${debianFile(MAIN)}${extra}`;

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs (baseline drop-in sets no)", changes: {} },
    {
      name: "no drop-in, PasswordAuthentication no in the main file",
      changes: {
        [BASELINE]: { type: "deleted" },
        [MAIN]: mainWith("#PasswordAuthentication yes", "PasswordAuthentication no"),
      },
    },
    {
      name: "AuthenticationMethods publickey makes passwords unusable",
      changes: { [BASELINE]: "PasswordAuthentication yes\nAuthenticationMethods publickey\n" },
    },
    {
      name: "a Match block that turns passwords off for some users",
      changes: { [MAIN]: appended("Match User deploy\n  PasswordAuthentication no\n") },
    },
    {
      name: "Match User root re-enables passwords, but PermitRootLogin prohibit-password keeps root off them",
      changes: { [MAIN]: appended("Match User root\n  PasswordAuthentication yes\n") },
    },
    {
      name: "AuthenticationMethods password in a Match block where PasswordAuthentication is no: deploy cannot log in",
      changes: { [MAIN]: appended("Match User deploy\n  AuthenticationMethods password\n") },
    },
    {
      name: "a configuration sshd refuses is judged by sshd-config-refused alone",
      changes: { [BASELINE]: "PasswordAuthentication yes\nUsePAM\n" },
    },
    {
      name: "no sshd at all",
      changes: { "/usr/sbin/sshd": { type: "deleted" }, "/etc/ssh": { type: "deleted" } },
    },
  ],
  invalid: [
    {
      name: "cloud-init's drop-in sorts before the baseline and wins",
      changes: { [CLOUD_INIT_DROPIN]: "PasswordAuthentication yes\n" },
      findings: [
        {
          path: CLOUD_INIT_DROPIN,
          line: 1,
          severity: "high",
          message: "PasswordAuthentication is yes in the effective sshd configuration",
          evidence: `PasswordAuthentication yes at ${CLOUD_INIT_DROPIN}:1 wins over PasswordAuthentication no at ${BASELINE}:1 (sshd keeps the first value it reads)`,
        },
      ],
    },
    {
      name: "a drop-in yes beats a later no in the main file",
      changes: {
        [BASELINE]: "PasswordAuthentication yes\n",
        [MAIN]: mainWith("#PasswordAuthentication yes", "PasswordAuthentication no"),
      },
      findings: [
        {
          path: BASELINE,
          line: 1,
          evidence: `PasswordAuthentication yes at ${BASELINE}:1 wins over PasswordAuthentication no at ${MAIN}:57 (sshd keeps the first value it reads)`,
        },
      ],
    },
    {
      name: "unset everywhere: OpenSSH's default is yes",
      changes: { [BASELINE]: "PermitRootLogin prohibit-password\n" },
      findings: [
        {
          path: MAIN,
          line: undefined,
          message: "PasswordAuthentication is not set: OpenSSH's default is yes",
          evidence: "PasswordAuthentication unset (OpenSSH default: yes)",
        },
      ],
    },
    {
      name: "keyword case and = separator",
      changes: { [BASELINE]: "passwordauthentication=YES\n" },
      findings: [{ path: BASELINE, line: 1, evidence: `PasswordAuthentication yes at ${BASELINE}:1` }],
    },
    {
      name: "a Match block re-enables passwords",
      changes: { [MAIN]: appended("Match User deploy\n  PasswordAuthentication yes\n") },
      findings: [
        {
          path: MAIN,
          line: 124,
          severity: "medium",
          message: "A Match block (Match User deploy) re-enables PasswordAuthentication",
        },
      ],
    },
    {
      name: "global AuthenticationMethods publickey, but a Match block gives deploy password logins",
      changes: {
        [BASELINE]: "PermitRootLogin prohibit-password\nAuthenticationMethods publickey\n",
        [MAIN]: appended("Match User deploy\n  AuthenticationMethods password\n"),
      },
      findings: [
        {
          path: MAIN,
          line: 124,
          severity: "medium",
          messageId: "methodsMatch",
          data: { match: "User deploy", methods: "password", method: "password" },
          message: "A Match block (Match User deploy) allows password logins: AuthenticationMethods password",
          evidence: `AuthenticationMethods password at ${MAIN}:124 inside Match User deploy`,
        },
      ],
    },
    {
      name: "a Match block that matches every address is as serious as a global setting",
      changes: { [MAIN]: appended("Match Address *\n  PasswordAuthentication yes\n") },
      findings: [
        {
          path: MAIN,
          line: 124,
          severity: "high",
          messageId: "passwordAuth",
          evidence: `PasswordAuthentication yes at ${MAIN}:124 (Match Address *) wins over PasswordAuthentication no at ${BASELINE}:1 (sshd keeps the first value it reads)`,
        },
      ],
    },
    {
      name: "a Match block for root alone, with root allowed in, is as serious as a global setting",
      changes: { [MAIN]: appended("Match User root\n  PasswordAuthentication yes\n  PermitRootLogin yes\n") },
      findings: [
        {
          path: MAIN,
          line: 124,
          severity: "high",
          messageId: "passwordAuthMatch",
          data: { match: "User root" },
        },
      ],
    },
    {
      name: "keyboard-interactive through PAM",
      changes: { [MAIN]: mainWith("KbdInteractiveAuthentication no", "KbdInteractiveAuthentication yes") },
      findings: [
        {
          path: MAIN,
          line: 62,
          severity: "high",
          message: "KbdInteractiveAuthentication is yes with UsePAM yes: PAM asks for passwords",
          evidence: `KbdInteractiveAuthentication yes at ${MAIN}:62; UsePAM yes at ${MAIN}:85`,
        },
      ],
    },
    {
      name: "a Match block re-enables keyboard-interactive through PAM",
      changes: { [MAIN]: appended("Match User deploy\n  KbdInteractiveAuthentication yes\n") },
      findings: [
        {
          path: MAIN,
          line: 124,
          severity: "medium",
          messageId: "kbdInteractiveMatch",
          data: { match: "User deploy" },
          message:
            "A Match block (Match User deploy) re-enables KbdInteractiveAuthentication with UsePAM yes",
          evidence: `KbdInteractiveAuthentication yes at ${MAIN}:124 inside Match User deploy; UsePAM yes at ${MAIN}:85`,
        },
      ],
    },
    {
      name: "ChallengeResponseAuthentication (the old name) in a drop-in wins over the main file's no",
      changes: { "/etc/ssh/sshd_config.d/10-old.conf": "ChallengeResponseAuthentication yes\n" },
      findings: [
        {
          path: "/etc/ssh/sshd_config.d/10-old.conf",
          line: 1,
          evidence: `KbdInteractiveAuthentication yes at /etc/ssh/sshd_config.d/10-old.conf:1 wins over KbdInteractiveAuthentication no at ${MAIN}:62 (sshd keeps the first value it reads); UsePAM yes at ${MAIN}:85`,
        },
      ],
    },
  ],
});
