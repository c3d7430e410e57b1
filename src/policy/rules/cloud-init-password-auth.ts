import { truthiness } from "../../inspect/cloudinit.js";
import { defineRule, type FindingDraft, maskSecret } from "../rule.js";

const at = (w: { path: string; line?: number }) => ({
  path: w.path,
  ...(w.line !== undefined ? { line: w.line } : {}),
});

const messages = {
  sshPwauth: "ssh_pwauth is true: cloud-init enables SSH password authentication at first boot",
  userPassword: "cloud-init user {{user}} has lock_passwd: false and a password",
  unnamedUserPassword: "cloud-init user (unnamed) has lock_passwd: false and a password",
  password: "cloud-init sets a password for {{user}} at first boot",
  rootLogin: "disable_root is false: cloud-init lets root log in over SSH with the launch key pair",
};

export default defineRule({
  id: "cloud-init-password-auth",
  title: "cloud-init turns on passwords at first boot",
  clauses: ["SEC-3", "SEC-7", "LNX-1"],
  severity: "high",
  description:
    "cloud-init runs at every new instance's first boot and can undo a clean sshd configuration: " +
    "ssh_pwauth: true makes it write PasswordAuthentication yes (sshd_config.d/50-cloud-init.conf, read " +
    "before the main file), users with lock_passwd: false and a password, chpasswd and the top-level " +
    "password set passwords (RANDOM ones too — the clause forbids generated passwords), and disable_root: " +
    "false lets root log in with the launch key pair instead of going through sudo. Only the merged " +
    "system configuration in the image is judged (/etc/cloud/cloud.cfg and cloud.cfg.d/*.cfg); a " +
    "disabled cloud-init is not.",
  remediation:
    "In /etc/cloud/cloud.cfg (or a later cloud.cfg.d/*.cfg) set ssh_pwauth: false, keep lock_passwd: true " +
    "for every user, remove chpasswd and password, and keep disable_root: true.",
  fix: "cloud-init-ssh",
  messages,
  facts: ["cloudInit"],
  check({ cloudInit: ci }) {
    if (!ci.installed || !ci.enabled) return [];
    const out: FindingDraft<keyof typeof messages>[] = [];
    if (ci.sshPwauth.value === true && ci.sshPwauth.path !== undefined)
      out.push({
        ...at(ci.sshPwauth as { path: string; line?: number }),
        messageId: "sshPwauth",
        evidence: `ssh_pwauth: ${String(ci.get("ssh_pwauth")?.value)}`,
      });
    for (const u of ci.users) {
      const pw = u.plainTextPasswd ?? u.hashedPasswd ?? u.passwd;
      if (u.lockPasswd || pw === undefined || pw === "") continue;
      const field =
        u.plainTextPasswd !== undefined
          ? "plain_text_passwd"
          : u.hashedPasswd !== undefined
            ? "hashed_passwd"
            : "passwd";
      out.push({
        ...at(u),
        ...(u.name
          ? { messageId: "userPassword", data: { user: u.name } }
          : { messageId: "unnamedUserPassword" }),
        evidence: `${field}: ${maskSecret(pw)}`,
        // cloud-init-ssh's drop-in sets ssh_pwauth and disable_root; users' passwords are the seller's.
        fixable: false,
      });
    }
    for (const p of ci.passwords)
      out.push({
        ...at(p),
        messageId: "password",
        data: { user: p.user },
        evidence: `${p.user}: ${/^(R|RANDOM)$/i.test(p.password) ? p.password : maskSecret(p.password)}`,
        fixable: false,
      });
    if (ci.disableRoot && truthiness(ci.disableRoot.value) === false)
      out.push({
        ...at(ci.disableRoot),
        messageId: "rootLogin",
        evidence: `disable_root: ${String(ci.disableRoot.value)}`,
      });
    return out;
  },
});
