import type { FindingDraft } from "../rule.js";
import { defineRule } from "../rule.js";

interface RemoteAccessAgent {
  name: string;
  /** systemd unit / init script names. */
  units: RegExp;
  /** Files that show it is installed (exact paths). */
  paths: readonly string[];
  /** Installed alone is a finding (a vendor remote-control agent); otherwise only when enabled at boot. */
  flagInstalled: boolean;
}

/** Remote-control agents and reverse tunnels: each gives someone outside the buyer's account a way in. */
const AGENTS: readonly RemoteAccessAgent[] = [
  {
    name: "TeamViewer",
    units: /^teamviewerd(\.service)?$/,
    paths: ["/opt/teamviewer/tv_bin/teamviewerd", "/usr/bin/teamviewer"],
    flagInstalled: true,
  },
  { name: "AnyDesk", units: /^anydesk(\.service)?$/, paths: ["/usr/bin/anydesk"], flagInstalled: true },
  { name: "RustDesk", units: /^rustdesk(\.service)?$/, paths: ["/usr/bin/rustdesk"], flagInstalled: true },
  {
    name: "Chrome Remote Desktop",
    units: /^chrome-remote-desktop(@.*)?(\.service)?$/,
    paths: ["/opt/google/chrome-remote-desktop/chrome-remote-desktop"],
    flagInstalled: true,
  },
  {
    name: "MeshCentral agent",
    units: /^meshagent(\.service)?$/,
    paths: ["/usr/local/mesh_services/meshagent/meshagent", "/usr/local/mesh/meshagent"],
    flagInstalled: true,
  },
  {
    name: "ScreenConnect (ConnectWise Control)",
    units: /^(screenconnect|connectwisecontrol)-.*$/,
    paths: [],
    flagInstalled: true,
  },
  {
    name: "ngrok",
    units: /^ngrok(\.service)?$/,
    paths: ["/usr/local/bin/ngrok", "/usr/bin/ngrok"],
    flagInstalled: true,
  },
  {
    name: "frp client",
    units: /^frpc(@.*)?(\.service)?$/,
    paths: ["/usr/local/bin/frpc", "/usr/bin/frpc"],
    flagInstalled: true,
  },
  {
    name: "chisel",
    units: /^chisel.*\.service$/,
    paths: ["/usr/local/bin/chisel", "/usr/bin/chisel"],
    flagInstalled: true,
  },
  { name: "autossh tunnel", units: /^autossh.*\.service$/, paths: [], flagInstalled: false },
  { name: "Cloudflare Tunnel", units: /^cloudflared.*\.service$/, paths: [], flagInstalled: false },
  { name: "Tailscale", units: /^tailscaled(\.service)?$/, paths: [], flagInstalled: false },
  { name: "ZeroTier", units: /^zerotier-one(\.service)?$/, paths: [], flagInstalled: false },
  { name: "x11vnc", units: /^x11vnc(\.service)?$/, paths: [], flagInstalled: false },
  {
    name: "VNC server",
    units: /^(vncserver(@.*)?|vncserver-x11-serviced)(\.service)?$/,
    paths: [],
    flagInstalled: false,
  },
];

const messages = {
  enabled: "{{agent}} is enabled at boot ({{unit}})",
  installed: "{{agent}} is installed (not enabled at boot)",
};

export default defineRule({
  id: "remote-access-agents",
  title: "A remote-access agent or reverse tunnel is installed or enabled",
  clauses: ["ACC-4"],
  severity: "medium",
  description:
    "Remote-control agents (TeamViewer, AnyDesk, MeshCentral…) and reverse tunnels (ngrok, frp, chisel, autossh, Cloudflare Tunnel, Tailscale, ZeroTier) let someone outside the buyer's account reach the instance. The seller must have no access, and any outside access must be off by default.",
  remediation:
    "Remove the agent, or disable it at boot and document how the buyer turns it on with their own credentials.",
  messages,
  facts: ["services", "files"],
  check({ services, files }) {
    const out: FindingDraft<keyof typeof messages>[] = [];
    for (const agent of AGENTS) {
      const enabled = services.enabled.find((e) => agent.units.test(e.name));
      if (enabled) {
        out.push({
          path: enabled.path,
          messageId: "enabled",
          data: { agent: agent.name, unit: enabled.name },
          evidence: enabled.name,
        });
        continue;
      }
      if (!agent.flagInstalled) continue;
      const unit = services.units.find((u) => agent.units.test(u.name));
      const path = unit?.path ?? agent.paths.find((p) => files.has(p));
      if (path)
        out.push({
          path,
          messageId: "installed",
          data: { agent: agent.name },
          evidence: path,
          severity: "low",
        });
    }
    return out;
  },
});
