import { defineRule } from "../rule.js";

/** Service names of SSH servers: OpenSSH (Debian "ssh", elsewhere "sshd") and Dropbear; sockets activate them on demand. */
const SSH_SERVICES = ["ssh.service", "sshd.service", "dropbear.service"];
const SSH_SOCKETS = ["ssh.socket", "sshd.socket", "dropbear.socket"];
const SSH_INIT_SCRIPTS = ["ssh", "sshd", "dropbear"];

export default defineRule({
  id: "sshd-not-enabled",
  title: "No SSH server starts at boot",
  clauses: ["ACC-1"],
  severity: "high",
  description:
    "Marketplace requires OS-level administration over SSH on Linux: an SSH server must be installed and started at boot (directly or through socket activation).",
  remediation:
    "Install openssh-server and enable it (`systemctl enable ssh` or `sshd`; `rc-update add sshd default` on OpenRC); unmask it if it is masked.",
  messages: {
    masked: "{{unit}} is masked (linked to /dev/null)",
    unitNotEnabled: "{{unit}} is installed but not enabled at boot, nor socket-activated",
    initScriptNotStarted: "{{script}} is installed but not started in any boot runlevel",
    noServer: "no SSH server is installed (no ssh, sshd or dropbear unit or init script)",
  },
  facts: ["services", "os"],
  check({ services, os }) {
    if (os.family !== "linux") return [];
    if ([...SSH_SERVICES, ...SSH_SOCKETS, ...SSH_INIT_SCRIPTS].some((s) => services.isEnabled(s))) return [];
    const masked = services.masked.find((m) => [...SSH_SERVICES, ...SSH_SOCKETS].includes(m.name));
    if (masked) return [{ path: masked.path, messageId: "masked", data: { unit: masked.name } }];
    const unit = services.units.find((u) => SSH_SERVICES.includes(u.name));
    if (unit)
      return [
        {
          path: unit.path,
          messageId: "unitNotEnabled",
          data: { unit: unit.name },
        },
      ];
    const script = services.initScripts.find((s) => SSH_INIT_SCRIPTS.includes(s));
    if (script)
      return [
        {
          path: `/etc/init.d/${script}`,
          messageId: "initScriptNotStarted",
          data: { script: `/etc/init.d/${script}` },
        },
      ];
    return [{ messageId: "noServer" }];
  },
});
