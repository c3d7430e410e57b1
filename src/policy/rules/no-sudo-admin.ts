import { defineRule } from "../rule.js";

/** cloud-init creates the distribution's default user with sudo at first boot (cloud.cfg default_user). */
const FIRST_BOOT_USER_SERVICES = ["cloud-init", "cloud-init-local", "cloud-config", "cloud-final"];

export default defineRule({
  id: "no-sudo-admin",
  title: "No user account can administer the instance through sudo",
  clauses: ["LNX-1", "ACC-1"],
  severity: "medium",
  description:
    "Root's password is locked (as it should be) but no account with a login shell may run every command as root through sudo, and cloud-init is not enabled to create a default user with sudo at first boot: nobody can administer the instance.",
  remediation:
    "Give the default user full sudo (e.g. add it to the sudo or wheel group), or enable cloud-init so it creates one at launch.",
  messages: {
    noSudo: "sudo is not configured, root is locked and cloud-init is not enabled",
    noSudoAdmin:
      "no account with a login shell has a full sudo grant, root is locked and cloud-init is not enabled",
  },
  facts: ["accounts", "services", "os"],
  check({ accounts, services, os }) {
    if (os.family !== "linux") return [];
    const root = accounts.user("root");
    if (!root || root.password.kind === "hash" || root.password.kind === "empty") return [];
    if (FIRST_BOOT_USER_SERVICES.some((s) => services.isEnabled(s))) return [];
    const admins = accounts.sudo
      .filter((g) => g.allCommands)
      .flatMap((g) => g.users)
      .filter((name) => {
        const u = accounts.user(name);
        return u !== undefined && u.uid !== 0 && u.hasLoginShell;
      });
    if (admins.length > 0) return [];
    return [
      {
        path: accounts.sudoersFiles[0] ?? "/etc/sudoers",
        messageId: accounts.sudoersFiles.length === 0 ? "noSudo" : "noSudoAdmin",
      },
    ];
  },
});
