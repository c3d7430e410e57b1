import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./remote-access-agents.js";

const unit = "[Unit]\nDescription=agent\n[Service]\nExecStart=/usr/bin/agent\n";
const enable = (name: string, target = "multi-user.target") => ({
  [`/etc/systemd/system/${target}.wants/${name}`]: {
    type: "symlink" as const,
    target: `/lib/systemd/system/${name}`,
  },
});

testRule(rule, {
  valid: [
    { name: "clean Debian", changes: {} },
    {
      name: "Tailscale installed, not enabled",
      changes: { "/usr/lib/systemd/system/tailscaled.service": unit },
    },
    { name: "autossh package without a tunnel unit", changes: { "/usr/bin/autossh": "\x7fELF" } },
  ],
  invalid: [
    {
      name: "Tailscale enabled at boot",
      changes: { "/usr/lib/systemd/system/tailscaled.service": unit, ...enable("tailscaled.service") },
      findings: [
        {
          path: "/etc/systemd/system/multi-user.target.wants/tailscaled.service",
          severity: "medium",
          message: "Tailscale is enabled at boot (tailscaled.service)",
          evidence: "tailscaled.service",
        },
      ],
    },
    {
      name: "AnyDesk binary installed",
      changes: { "/usr/bin/anydesk": "\x7fELF" },
      findings: [
        {
          path: "/usr/bin/anydesk",
          severity: "low",
          message: "AnyDesk is installed (not enabled at boot)",
          evidence: "/usr/bin/anydesk",
        },
      ],
    },
    {
      name: "frp client instance and an autossh tunnel enabled",
      changes: {
        "/etc/systemd/system/frpc@.service": unit,
        "/etc/systemd/system/autossh-tunnel.service": unit,
        ...enable("frpc@home.service"),
        ...enable("autossh-tunnel.service"),
      },
      findings: [
        {
          path: "/etc/systemd/system/multi-user.target.wants/frpc@home.service",
          message: "frp client is enabled at boot (frpc@home.service)",
        },
        { message: "autossh tunnel is enabled at boot (autossh-tunnel.service)" },
      ],
    },
  ],
});
