import type { AccountFacts } from "../../inspect/accounts.js";
import { defineRule, type FindingDraft } from "../rule.js";

const messages = {
  privateKey: "private key in the image: {{label}}",
  privateKeyEncrypted: "private key in the image: {{label}} (passphrase-protected)",
  packageTlsKey:
    "self-signed TLS key generated at package install ({{label}}); every instance would share it — regenerate it at first boot",
  packageTlsKeyEncrypted:
    "self-signed TLS key generated at package install ({{label}} (passphrase-protected)); every instance would share it — regenerate it at first boot",
};

/**
 * Whether the private-keys fix removes a key at `path`: it cleans the homes of people (/root, an
 * account with a login shell) and folders in /home that no account owns (a deleted build user's);
 * keys elsewhere (/srv, /etc, inside configuration) are the seller's to move out.
 */
function inPersonalHome(path: string, accounts: AccountFacts): boolean {
  const under = (dir: string) => dir !== "/" && path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
  if (under("/root")) return true;
  if (accounts.users.some((u) => u.hasLoginShell && u.home.startsWith("/") && under(u.home))) return true;
  const inHome = /^\/home\/[^/]+/.exec(path)?.[0];
  return (
    inHome !== undefined && path.length > inHome.length && !accounts.users.some((u) => u.home === inHome)
  );
}

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
  facts: ["content", "accounts"],
  check({ content, accounts }) {
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
        ...(key.expected === undefined && inPersonalHome(key.path, accounts)
          ? {}
          : { fixable: false as const }),
      });
    }
    return out;
  },
});
