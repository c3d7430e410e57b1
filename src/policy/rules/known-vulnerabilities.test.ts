import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { testRule } from "../../../test/support/rule-tester.js";
import { SHARED } from "../../../test/support/trees.js";
import { dbStatus, importFile, openVulnDb } from "../../vuln/db/index.js";
import knownVulnerabilities from "./known-vulnerabilities.js";
import vulnDbStale from "./vuln-db-stale.js";

// A real database from the corpus's Debian OSV record (DSA-3029-1: nginx in Debian 7, fixed in
// 1.2.1-2.2+wheezy3), imported here, and Debian 7 trees with nginx before and at the fix.
const vulnDb = path.join(mkdtempSync(path.join(os.tmpdir(), "amigate-kv-")), "vulns.db");
const db = openVulnDb(vulnDb);
await importFile(db, path.join(SHARED, "corpus/osv/debian"));
// And its Ubuntu record (UBUNTU-CVE-2025-38094: the kernel on Ubuntu Pro 14.04, no fixed version).
await importFile(db, path.join(SHARED, "corpus/osv/ubuntu"));
const lastImport = dbStatus(db).lastImport;
db.close();

const wheezy = (nginx: string) => ({
  "/etc/os-release": 'ID=debian\nVERSION_ID="7"\n',
  "/var/lib/dpkg/status": `Package: nginx\nStatus: install ok installed\nVersion: ${nginx}\nArchitecture: amd64\n\n`,
});
const imported = new Date(lastImport ?? Date.now());
const days = (n: number) => new Date(imported.getTime() + n * 86_400_000);

testRule(knownVulnerabilities, {
  valid: [
    {
      name: "nginx at the fixed version",
      base: "empty",
      changes: wheezy("1.2.1-2.2+wheezy3"),
      inspect: { vulnDb },
    },
    {
      name: "no database: skipped (said in the notes), not a finding",
      base: "empty",
      changes: wheezy("1.2.1-2.2"),
    },
  ],
  invalid: [
    {
      name: "nginx before the fix",
      base: "empty",
      changes: wheezy("1.2.1-2.2+wheezy2"),
      inspect: { vulnDb },
      findings: [
        {
          severity: "high",
          message:
            "DSA-3029-1, CVE-2014-3616: nginx 1.2.1-2.2+wheezy2 (nginx) is affected; fixed in 1.2.1-2.2+wheezy3",
        },
      ],
    },
    {
      name: "a Ubuntu 14.04 kernel with no fixed version yet",
      base: "empty",
      changes: {
        "/etc/os-release": 'ID=ubuntu\nVERSION_ID="14.04"\n',
        "/var/lib/dpkg/status":
          "Package: linux-image-3.13.0-24-generic\nStatus: install ok installed\nSource: linux\nVersion: 3.13.0-24.46\nArchitecture: amd64\n\n",
      },
      inspect: { vulnDb },
      findings: [
        {
          severity: "medium",
          messageId: "affectedNoFix",
          data: {
            ids: "UBUNTU-CVE-2025-38094, CVE-2025-38094",
            package: "linux",
            installed: "3.13.0-24.46",
            binaries: "linux-image-3.13.0-24-generic",
          },
          message:
            "UBUNTU-CVE-2025-38094, CVE-2025-38094: linux 3.13.0-24.46 (linux-image-3.13.0-24-generic) is affected; no fixed version yet",
        },
      ],
    },
  ],
});

testRule(vulnDbStale, {
  valid: [
    {
      name: "a database imported today",
      base: "empty",
      changes: wheezy("1.2.1-2.2+wheezy3"),
      inspect: { vulnDb, now: days(0) },
    },
    { name: "no database at all (the notes say so)", base: "empty", changes: wheezy("1.2.1-2.2+wheezy3") },
  ],
  invalid: [
    {
      name: "the same database 30 days later",
      base: "empty",
      changes: wheezy("1.2.1-2.2+wheezy3"),
      inspect: { vulnDb, now: days(30) },
      findings: [
        {
          severity: "low",
          message: `the vulnerability database is 30 days old (last import ${lastImport}, limit 7); newer advisories are not checked`,
        },
      ],
    },
  ],
});
