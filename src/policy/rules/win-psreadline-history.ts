import { defineRule } from "../rule.js";

export default defineRule({
  id: "win-psreadline-history",
  title: "PowerShell command history left in a profile",
  clauses: ["SHR-1"],
  severity: "medium",
  fix: "windows-psreadline",
  description:
    "PSReadLine keeps every interactive PowerShell command in ConsoleHost_history.txt; commands typed while building the image (often with passwords or keys) reach every customer.",
  remediation:
    "Delete AppData\\Roaming\\Microsoft\\Windows\\PowerShell\\PSReadLine\\ConsoleHost_history.txt in every profile before creating the image.",
  messages: {
    history: "PowerShell history with {{commands}} command(s)",
  },
  facts: ["windows"],
  check({ windows }) {
    if (!windows.isWindows) return [];
    return windows.psReadLineHistories.map((h) => ({
      path: h.path,
      messageId: "history",
      data: { commands: h.commands },
    }));
  },
});
