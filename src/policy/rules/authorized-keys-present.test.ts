import { readFileSync } from "node:fs";
import path from "node:path";
import { sshKeygen } from "../../../test/support/keygen.js";
import { testRule } from "../../../test/support/rule-tester.js";
import { debianRootfsPath } from "../../../test/support/trees.js";
import rule from "./authorized-keys-present.js";

const builder = sshKeygen("ed25519", { comment: "builder@ci" });
const vendor = sshKeygen("rsa", { comment: "vendor support" });
const passwd = readFileSync(path.join(debianRootfsPath(), "etc/passwd"), "utf8");
const withAppAccount = `${passwd}app:x:998:998:App:/srv/app:/usr/sbin/nologin\n`;

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs", changes: {} },
    {
      name: "empty and comment-only authorized_keys",
      changes: { "/root/.ssh/authorized_keys": "", "/home/admin/.ssh/authorized_keys": "# keys go here\n\n" },
    },
    {
      name: "a public key that is not an authorized_keys file",
      changes: { "/home/admin/.ssh/id_ed25519.pub": builder.publicKey },
    },
  ],
  invalid: [
    {
      name: "the builder's key left in root's authorized_keys",
      changes: { "/root/.ssh/authorized_keys": builder.publicKey },
      findings: [
        {
          path: "/root/.ssh/authorized_keys",
          line: 1,
          severity: "high",
          message: `authorized key ssh-ed25519 ${builder.fingerprint}: sshd reads it for root`,
          evidence: `ssh-ed25519 ${builder.fingerprint} builder@ci`,
        },
      ],
    },
    {
      name: "a service account with its home in /srv (authorized_keys2, with options)",
      changes: {
        "/etc/passwd": withAppAccount,
        "/srv/app/.ssh/authorized_keys2": `# deploy\nno-pty,from="10.0.0.0/8" ${vendor.publicKey}`,
      },
      findings: [
        {
          path: "/srv/app/.ssh/authorized_keys2",
          line: 2,
          message: `authorized key ssh-rsa ${vendor.fingerprint}: sshd reads it for app`,
        },
      ],
    },
    {
      name: "two keys for the default user, one per finding",
      changes: { "/home/admin/.ssh/authorized_keys": `${builder.publicKey}\n${vendor.publicKey}` },
      findings: [
        {
          path: "/home/admin/.ssh/authorized_keys",
          line: 1,
          evidence: `ssh-ed25519 ${builder.fingerprint} builder@ci`,
        },
        {
          path: "/home/admin/.ssh/authorized_keys",
          line: 3,
          evidence: `ssh-rsa ${vendor.fingerprint} vendor support`,
        },
      ],
    },
    {
      name: "a keys file of an account no longer in passwd",
      changes: { "/home/olduser/.ssh/authorized_keys": builder.publicKey },
      findings: [
        {
          path: "/home/olduser/.ssh/authorized_keys",
          line: 1,
          severity: "medium",
          message: `authorized key ssh-ed25519 ${builder.fingerprint}: no account in passwd reads it, but it ships in the image`,
        },
      ],
    },
    {
      name: "AuthorizedKeysFile moved to /etc/ssh/authorized_keys/%u",
      changes: {
        "/etc/ssh/sshd_config.d/10-keys.conf": "AuthorizedKeysFile /etc/ssh/authorized_keys/%u\n",
        "/etc/ssh/authorized_keys/admin": builder.publicKey,
      },
      findings: [
        {
          path: "/etc/ssh/authorized_keys/admin",
          line: 1,
          severity: "high",
          messageId: "readForElsewhere",
          data: { type: "ssh-ed25519", fingerprint: builder.fingerprint, users: "admin" },
          message: `authorized key ssh-ed25519 ${builder.fingerprint}: sshd reads it for admin (non-default AuthorizedKeysFile location)`,
        },
      ],
    },
    {
      name: "keys from an AuthorizedKeysCommand, for everyone and inside a Match block",
      changes: {
        "/etc/ssh/sshd_config.d/10-keys.conf":
          "AuthorizedKeysCommand /usr/local/bin/fetch-keys %u\nAuthorizedKeysCommandUser nobody\nMatch User deploy\n  AuthorizedKeysCommand /usr/local/bin/deploy-keys %u\n",
      },
      findings: [
        {
          path: "/etc/ssh/sshd_config.d/10-keys.conf",
          line: 1,
          severity: "info",
          messageId: "command",
          message:
            "sshd asks AuthorizedKeysCommand /usr/local/bin/fetch-keys %u for keys; make sure it grants no one outside the customer's account",
          evidence: "/usr/local/bin/fetch-keys %u",
        },
        {
          path: "/etc/ssh/sshd_config.d/10-keys.conf",
          line: 4,
          messageId: "commandInMatch",
          data: { command: "/usr/local/bin/deploy-keys %u", match: "User deploy" },
          message:
            "sshd asks AuthorizedKeysCommand /usr/local/bin/deploy-keys %u (Match User deploy) for keys; make sure it grants no one outside the customer's account",
        },
      ],
    },
  ],
});
