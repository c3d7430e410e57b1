import { defineRule } from "../rule.js";

export default defineRule({
  id: "encrypted-filesystem",
  title: "The image contains encrypted file systems",
  clauses: ["ARC-6"],
  severity: "high",
  description:
    "Marketplace AMIs must not contain encrypted file systems: the scanner and the buyer cannot read them. Found from the disk (LUKS and BitLocker volume headers) and from the OS (volumes in /etc/crypttab, eCryptfs home directories, fscrypt metadata).",
  remediation:
    "Ship the file systems unencrypted; let buyers turn on EBS encryption for their own volumes at launch.",
  messages: {
    luks: "{{where}} is a LUKS encrypted volume",
    bitlocker: "{{where}} is a BitLocker encrypted volume",
    crypttab: "encrypted volume {{name}} on {{device}} is set up at boot",
    ecryptfs: "eCryptfs encrypted home directories",
    fscrypt: "fscrypt metadata: encrypted directories",
  },
  facts: ["platform"],
  check({ platform }) {
    return platform.encryption.map((m) => ({
      ...(m.where.startsWith("/") ? { path: m.where } : {}),
      ...(m.line !== undefined ? { line: m.line } : {}),
      messageId: m.kind,
      data: { where: m.where, ...(m.crypttab ? { ...m.crypttab } : {}) },
    }));
  },
});
