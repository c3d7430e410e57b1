import { defineRule, type FindingDraft } from "../rule.js";

/** Commands that fetch from the network; deliberately few, so a finding is worth reading. */
const DOWNLOAD = /\b(curl|wget)\s|\bpip3?\s+install\b|\bgit\s+clone\b/;
const MAX_EVIDENCE = 200;

const messages = {
  bootScript: "A boot script command downloads at first boot",
  cloudInitCommand: "A cloud-init {{module}} command downloads at first boot",
};

export default defineRule({
  id: "first-boot-downloads",
  title: "A first-boot command downloads from the network",
  clauses: ["USE-4"],
  severity: "low",
  description:
    "Commands run at boot without user data — cloud-init runcmd/bootcmd in the image's own configuration, " +
    "cloud-init's per-once/per-boot/per-instance scripts and /etc/rc.local — that fetch with curl, wget, " +
    "pip install or git clone make deployment depend on an outside resource, which the listing must " +
    "disclose and which must stay available, secure and free. Only these four command shapes are reported.",
  remediation:
    "Install the dependency into the image at build time, or list it (with its source) in the product's " +
    "usage instructions.",
  messages,
  facts: ["cloudInit"],
  check({ cloudInit: ci }) {
    const out: FindingDraft<keyof typeof messages>[] = [];
    for (const c of ci.bootCommands) {
      // runcmd/bootcmd and cloud-init's script folders only run when cloud-init does.
      const runsAtBoot = c.path === "/etc/rc.local" || ci.enabled;
      if (!runsAtBoot || !DOWNLOAD.test(`${c.command} `)) continue;
      out.push({
        path: c.path,
        ...(c.line !== undefined ? { line: c.line } : {}),
        ...(c.source === "script"
          ? { messageId: "bootScript" as const }
          : { messageId: "cloudInitCommand" as const, data: { module: c.source } }),
        evidence: c.command.length > MAX_EVIDENCE ? `${c.command.slice(0, MAX_EVIDENCE)}…` : c.command,
      });
    }
    return out;
  },
});
