import { opensslKey, puttyKey, sshKeygen } from "../../../test/support/keygen.js";
import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./private-key-in-image.js";

const rsa = opensslKey("rsa-pkcs1");
const ed = sshKeygen("ed25519", { comment: "admin@build" }).privateKey;
const encrypted = sshKeygen("ed25519", { passphrase: "hunter2" }).privateKey;
const pkcs8 = opensslKey("pkcs8");
const bigConfig = `${"# padding line\n".repeat(20_000)}key: |\n  ${opensslKey("ec").trim().replaceAll("\n", "\n  ")}\n`;

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs", changes: {} },
    { name: "an SSH host key (its own rule)", changes: { "/etc/ssh/ssh_host_ed25519_key": ed } },
    { name: "an example key in documentation", changes: { "/usr/share/doc/app/examples/id_rsa": rsa } },
    {
      name: "markers without a key body (code constants)",
      changes: {
        "/opt/app/keys.py":
          'START = "-----BEGIN RSA PRIVATE KEY-----"\nEND = "-----END RSA PRIVATE KEY-----"\n',
      },
    },
  ],
  invalid: [
    {
      name: "a deploy key in /srv",
      changes: { "/srv/deploy/id_rsa": rsa },
      findings: [
        {
          path: "/srv/deploy/id_rsa",
          line: 1,
          severity: "high",
          message: "private key in the image: RSA PRIVATE KEY",
          evidence: "-----BEGIN RSA PRIVATE KEY-----",
        },
      ],
    },
    {
      name: "the builder's own key in /home/admin/.ssh and a passphrase-protected one in /root",
      changes: { "/home/admin/.ssh/id_ed25519": ed, "/root/.ssh/id_backup": encrypted },
      findings: [
        {
          path: "/home/admin/.ssh/id_ed25519",
          line: 1,
          message: "private key in the image: OPENSSH PRIVATE KEY",
        },
        {
          path: "/root/.ssh/id_backup",
          line: 1,
          message: "private key in the image: OPENSSH PRIVATE KEY (passphrase-protected)",
        },
      ],
    },
    {
      name: "a PKCS#8 TLS key inside an application's config, after other text",
      changes: { "/opt/app/etc/tls.conf": `cert=/opt/app/cert.pem\n\n${pkcs8}` },
      findings: [
        { path: "/opt/app/etc/tls.conf", line: 3, message: "private key in the image: PRIVATE KEY" },
      ],
    },
    {
      name: "a key deep inside a large file (read in chunks)",
      changes: { "/etc/app/big.yml": bigConfig },
      findings: [
        { path: "/etc/app/big.yml", line: 20_002, message: "private key in the image: EC PRIVATE KEY" },
      ],
    },
    {
      name: "a PuTTY key",
      changes: { "/root/admin.ppk": puttyKey() },
      findings: [{ path: "/root/admin.ppk", line: 1, evidence: "PuTTY ssh-ed25519" }],
    },
    {
      name: "the ssl-cert snakeoil key is classified, at low severity",
      changes: { "/etc/ssl/private/ssl-cert-snakeoil.key": pkcs8 },
      findings: [
        {
          path: "/etc/ssl/private/ssl-cert-snakeoil.key",
          line: 1,
          severity: "low",
          messageId: "packageTlsKey",
          data: { label: "PRIVATE KEY" },
          message:
            "self-signed TLS key generated at package install (PRIVATE KEY); every instance would share it — regenerate it at first boot",
        },
      ],
    },
    {
      name: "a passphrase-protected key where ssl-cert puts its snakeoil key",
      changes: { "/etc/ssl/private/ssl-cert-snakeoil.key": encrypted },
      findings: [
        {
          path: "/etc/ssl/private/ssl-cert-snakeoil.key",
          severity: "low",
          messageId: "packageTlsKeyEncrypted",
          message:
            "self-signed TLS key generated at package install (OPENSSH PRIVATE KEY (passphrase-protected)); every instance would share it — regenerate it at first boot",
        },
      ],
    },
  ],
});
