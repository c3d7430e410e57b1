import { defineRule, type FindingDraft } from "../rule.js";

const messages = {
  privateKey: "private key in the image: {{label}}",
  privateKeyEncrypted: "private key in the image: {{label}} (passphrase-protected)",
  packageTlsKey:
    "self-signed TLS key generated at package install ({{label}}); every instance would share it — regenerate it at first boot",
  packageTlsKeyEncrypted:
    "self-signed TLS key generated at package install ({{label}} (passphrase-protected)); every instance would share it — regenerate it at first boot",
};

export default defineRule({
  id: "private-key-in-image",
  title: "Private key in the image",
  clauses: ["SEC-4", "SHR-2"],
  severity: "high",
  description:
    "Private keys (PEM RSA/EC/DSA/PKCS#8, OpenSSH, PuTTY, PGP) anywhere in the image's text files, outside the places a key is expected. SSH host keys have their own rule; self-signed TLS keys that packages generate at install (ssl-cert's snakeoil, mod_ssl's localhost.key) are reported at low severity because every instance would share them.",
  remediation:
    "Remove the key from the image and provision it at launch (AWS Secrets Manager, SSM Parameter Store, or generate it on first boot).",
  fix: "private-keys",
  messages,
  facts: ["content"],
  check({ content }) {
    const out: FindingDraft<keyof typeof messages>[] = [];
    for (const key of content.privateKeys) {
      if (key.expected === "ssh-host-key") continue;
      out.push({
        path: key.path,
        line: key.line,
        messageId:
          key.expected === "tls-snakeoil"
            ? key.encrypted
              ? "packageTlsKeyEncrypted"
              : "packageTlsKey"
            : key.encrypted
              ? "privateKeyEncrypted"
              : "privateKey",
        data: { label: key.label },
        evidence: key.label.startsWith("PuTTY") ? key.label : `-----BEGIN ${key.label}-----`,
        ...(key.expected === "tls-snakeoil" ? { severity: "low" as const } : {}),
      });
    }
    return out;
  },
});
