import { defineRule, type FindingDraft } from "../rule.js";
import { isSeverity } from "../severity.js";

/** One finding per advisory and affected source package, naming the CVEs, versions and fix. */
const messages = {
  affected: "{{ids}}: {{package}} {{installed}} ({{binaries}}) is affected; fixed in {{fixed}}",
  affectedNoFix: "{{ids}}: {{package}} {{installed}} ({{binaries}}) is affected; no fixed version yet",
};

export default defineRule({
  id: "known-vulnerabilities",
  clauses: ["SEC-1"],
  severity: "high",
  title: "Installed packages have known vulnerabilities",
  description: "Installed packages matched against the local OSV/ALAS database for the image's OS release.",
  remediation:
    "Update the packages to the fixed versions (apt-get upgrade / dnf upgrade / apk upgrade) and rebuild the image.",
  messages,
  facts: ["vulnerabilities"],
  check({ vulnerabilities }) {
    const groups = new Map<string, typeof vulnerabilities.matches>();
    for (const m of vulnerabilities.matches) {
      const key = `${m.advisory}\0${m.matchedName}`;
      groups.set(key, [...(groups.get(key) ?? []), m]);
    }
    const out: FindingDraft<keyof typeof messages>[] = [];
    for (const list of groups.values()) {
      const m = list[0]!;
      const ids = [m.advisory, ...m.aliases.filter((a) => a !== m.advisory)].join(", ");
      const binaries = [...new Set(list.map((x) => x.package))].sort().join(", ");
      out.push({
        messageId: m.fixed ? "affected" : "affectedNoFix",
        data: { ids, package: m.matchedName, installed: m.installed, binaries, fixed: m.fixed },
        evidence: `${m.ecosystem}:${m.release} ${m.matchedName} ${m.installed}${m.fixed ? ` < ${m.fixed}` : ""}`,
        ...(m.severity && isSeverity(m.severity) ? { severity: m.severity } : {}),
      });
    }
    return out;
  },
});
