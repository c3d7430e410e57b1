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
    // AuthorizedKeysCommand and non-default AuthorizedKeysFile need the sshd fact: see src/inspect/keys.test.ts.
  ],
});
