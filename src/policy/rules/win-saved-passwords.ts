import { defineRule, maskSecret } from "../rule.js";

/** The message of each kind of saved password. */
const MESSAGE_OF = {
  "unattend-administrator": "unattendAdministrator",
  "unattend-autologon": "unattendAutologon",
  "unattend-local-account": "unattendLocalAccount",
  "winlogon-default-password": "winlogonDefaultPassword",
  "rdp-file": "rdpFile",
} as const;

/** The kinds windows-unattend removes: passwords in answer files. */
const UNATTEND_KINDS: ReadonlySet<string> = new Set([
  "unattend-administrator",
  "unattend-autologon",
  "unattend-local-account",
]);

export default defineRule({
  id: "win-saved-passwords",
  title: "Saved Windows passwords or credentials in the image",
  clauses: ["SHR-4", "SEC-4"],
  severity: "critical",
  fix: "windows-unattend",
  description:
    "Answer files (unattend.xml, autounattend.xml, sysprep.xml) left in Panther or Sysprep, Winlogon's DefaultPassword, .rdp files with saved passwords and AWS credential files in profiles hand the builder's credentials to every customer. Base64 answer-file passwords are decoded to prove them.",
  remediation:
    "Delete answer files after setup (or let sysprep replace passwords with *SENSITIVE*DATA*DELETED*), remove DefaultPassword from HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon, and delete .rdp files with saved passwords and .aws\\credentials.",
  messages: {
    unattendAdministrator: "Administrator password in answer file{{forAccount}}{{decoded}}",
    unattendAutologon: "AutoLogon password in answer file{{forAccount}}{{decoded}}",
    unattendLocalAccount: "Local account password in answer file{{forAccount}}{{decoded}}",
    winlogonDefaultPassword:
      "Winlogon DefaultPassword (automatic logon) in the registry{{forAccount}}{{decoded}}",
    rdpFile: "Saved password in .rdp file{{forAccount}}{{decoded}}",
    awsCredentialsFile: "AWS credentials file in a user profile",
    credentialManager: "Credential Manager holds a saved logon (DPAPI-encrypted blob)",
  },
  facts: ["windows"],
  check({ windows }) {
    if (!windows.isWindows) return [];
    return [
      ...windows.savedPasswords.map((p) => ({
        path: p.path,
        ...(p.line !== undefined ? { line: p.line } : {}),
        messageId: MESSAGE_OF[p.kind],
        // Fragments: an account and the decoding are each optional on every kind (four ids per kind otherwise).
        data: {
          forAccount: p.account ? ` for ${p.account}` : "",
          decoded: p.decoded ? " (base64, decoded)" : "",
        },
        evidence: maskSecret(p.secret, p.kind === "rdp-file" ? 8 : 2),
        // windows-unattend cleans answer files; Winlogon (a hive edit) and .rdp files stay.
        ...(UNATTEND_KINDS.has(p.kind) ? {} : { fixable: false as const }),
      })),
      ...windows.awsCredentialFiles.map((path) => ({
        path,
        messageId: "awsCredentialsFile" as const,
        fixable: false as const,
      })),
      ...windows.credentialManagerFiles.map((path) => ({
        path,
        messageId: "credentialManager" as const,
        fixable: false as const,
      })),
    ];
  },
});
