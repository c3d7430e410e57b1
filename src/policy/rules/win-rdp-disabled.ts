import { defineRule } from "../rule.js";

export default defineRule({
  id: "win-rdp-disabled",
  title: "Remote Desktop is disabled",
  clauses: ["ACC-1"],
  severity: "high",
  description:
    "Customers administer Windows instances over RDP; fDenyTSConnections = 1 in the current control set's Terminal Server key turns it off.",
  remediation:
    "Set fDenyTSConnections to 0 under HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server and allow TCP 3389 in Windows Firewall.",
  messages: {
    rdpDenied: "Remote Desktop connections are denied",
  },
  facts: ["windows"],
  check({ windows }) {
    if (!windows.isWindows || windows.rdp.enabled !== false) return [];
    return [
      {
        path: windows.rdp.source,
        messageId: "rdpDenied",
        evidence: "fDenyTSConnections=1",
      },
    ];
  },
});
