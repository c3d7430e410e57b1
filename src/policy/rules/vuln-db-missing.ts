import { defineRule } from "../rule.js";

/** Says plainly when vulnerability checks were skipped or ran on an old database. */
export default defineRule({
  id: "vuln-db-missing",
  clauses: ["SEC-1"],
  severity: "info",
  title: "Vulnerability checks skipped or on a stale database",
  description:
    "Known-vulnerability matching needs a local database; without one (or with an old one) SEC-1 is not fully checked.",
  remediation:
    "Run `amigate db update` (online) or `amigate db import <OSV zip|updateinfo.xml.gz>`, then scan with --db PATH or AMIGATE_DB.",
  facts: ["vulnerabilities"],
  check({ vulnerabilities: v }) {
    if (v.state === "no-database" || v.state === "unsupported-os")
      return [{ message: v.note ?? "vulnerability checks were skipped" }];
    if (v.state === "checked" && v.dbAgeDays !== undefined && v.dbAgeDays > v.maxAgeDays) {
      return [
        {
          severity: "low",
          message: `the vulnerability database is ${v.dbAgeDays} days old (last import ${v.db?.lastImport ?? "unknown"}, limit ${v.maxAgeDays}); newer advisories are not checked`,
          ...(v.dbPath ? { evidence: v.dbPath } : {}),
        },
      ];
    }
    return [];
  },
});
