import { defineRule } from "../rule.js";

/**
 * A stale vulnerability database is a warning in the report. A missing one is not a finding: the
 * vulnerabilities inspector says plainly in the report's notes that the checks were skipped.
 */
export default defineRule({
  id: "vuln-db-stale",
  clauses: ["SEC-1"],
  severity: "low",
  title: "Vulnerability database is older than the limit",
  description:
    "Known-vulnerability matching ran on a local database older than --db-max-age days (default 7); advisories published since are not checked.",
  remediation: "Run `amigate db update` (online) or import fresh OSV/ALAS files with `amigate db import`.",
  messages: {
    stale:
      "the vulnerability database is {{days}} days old (last import {{lastImport}}, limit {{limit}}); newer advisories are not checked",
  },
  facts: ["vulnerabilities"],
  check({ vulnerabilities: v }) {
    if (v.state !== "checked" || v.dbAgeDays === undefined || v.dbAgeDays <= v.maxAgeDays) return [];
    return [
      {
        messageId: "stale",
        data: { days: v.dbAgeDays, lastImport: v.db?.lastImport ?? "unknown", limit: v.maxAgeDays },
        ...(v.dbPath ? { evidence: v.dbPath } : {}),
      },
    ];
  },
});
