import { defineRule, type FindingDraft } from "../rule.js";
import { isSeverity } from "../severity.js";

/** One finding per advisory and affected source package, naming the CVEs, versions and fix. */
export default defineRule({
  id: "known-vulnerabilities",
  clauses: ["SEC-1"],
  severity: "high",
  title: "Installed packages have known vulnerabilities",
  description: "Installed packages matched against the local OSV/ALAS database for the image's OS release.",
  remediation:
    "Update the packages to the fixed versions (apt-get upgrade / dnf upgrade / apk upgrade) and rebuild the image.",
  facts: ["vulnerabilities"],
  check({ vulnerabilities }) {
    const groups = new Map<string, typeof vulnerabilities.matches>();
    for (const m of vulnerabilities.matches) {
      const key = `${m.advisory}\0${m.matchedName}`;
      groups.set(key, [...(groups.get(key) ?? []), m]);
    }
    const out: FindingDraft[] = [];
    for (const list of groups.values()) {
      const m = list[0]!;
      const ids = [m.advisory, ...m.aliases.filter((a) => a !== m.advisory)].join(", ");
      const binaries = [...new Set(list.map((x) => x.package))].sort().join(", ");
      const fix = m.fixed ? `fixed in ${m.fixed}` : "no fixed version yet";
      out.push({
        message: `${ids}: ${m.matchedName} ${m.installed} (${binaries}) is affected; ${fix}`,
        evidence: `${m.ecosystem}:${m.release} ${m.matchedName} ${m.installed}${m.fixed ? ` < ${m.fixed}` : ""}`,
        ...(m.severity && isSeverity(m.severity) ? { severity: m.severity } : {}),
      });
    }
    return out;
  },
});
