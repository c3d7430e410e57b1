import { defineRule, maskSecret } from "../rule.js";

const WHAT = {
  "unattend-administrator": "Administrator password in answer file",
  "unattend-autologon": "AutoLogon password in answer file",
  "unattend-local-account": "Local account password in answer file",
  "winlogon-default-password": "Winlogon DefaultPassword (automatic logon) in the registry",
  "rdp-file": "Saved password in .rdp file",
} as const;

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
  facts: ["windows"],
  check({ windows }) {
    if (!windows.isWindows) return [];
    return [
      ...windows.savedPasswords.map((p) => ({
        path: p.path,
        ...(p.line !== undefined ? { line: p.line } : {}),
        message: `${WHAT[p.kind]}${p.account ? ` for ${p.account}` : ""}${p.decoded ? " (base64, decoded)" : ""}`,
        evidence: maskSecret(p.secret, p.kind === "rdp-file" ? 8 : 2),
      })),
      ...windows.awsCredentialFiles.map((path) => ({
        path,
        message: "AWS credentials file in a user profile",
      })),
      ...windows.credentialManagerFiles.map((path) => ({
        path,
        message: "Credential Manager holds a saved logon (DPAPI-encrypted blob)",
      })),
    ];
  },
});
