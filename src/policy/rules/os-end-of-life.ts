import type { EolStatus } from "../../vuln/eol/index.js";
import { defineRule, type FindingDraft } from "../rule.js";

/** "…; Ubuntu's Expanded Security Maintenance runs to 2028-04-01 (extended support: not counted as supported)". */
export function extendedNote(s: EolStatus): string {
  if (!s.extended) return "";
  const until = s.extended.until === true ? "an unstated date" : s.extended.until;
  return `; ${s.extended.label} runs to ${until} (extended support: not counted as supported)`;
}

export function eolFinding(
  s: EolStatus,
  what: string,
  severity: FindingDraft["severity"],
): FindingDraft | undefined {
  const name = `${s.title} ${s.cycle}${s.codename ? ` (${s.codename})` : ""}`;
  const source = `endoflife.date data as of ${s.asOf}`;
  if (s.state === "eol") {
    return {
      message: `${what} ${name} reached end of life${s.eol ? ` on ${s.eol}` : ""}${extendedNote(s)}`,
      evidence: source,
      ...(severity ? { severity } : {}),
    };
  }
  if (s.state === "eol-soon") {
    return {
      message: `${what} ${name} reaches end of life on ${s.eol} (in ${s.daysLeft} days)${extendedNote(s)}`,
      evidence: source,
      severity: "low",
    };
  }
  return undefined;
}

export default defineRule({
  id: "os-end-of-life",
  clauses: ["SEC-2"],
  severity: "high",
  title: "Operating system is past (or near) its end of life",
  description:
    "The image's OS release compared with the dated end-of-life dataset on the scan date (--as-of).",
  remediation: "Rebuild on a supported release of the OS (e.g. Amazon Linux 2023, Ubuntu 24.04, Debian 13).",
  facts: ["eol"],
  check({ eol }) {
    const f = eol.os ? eolFinding(eol.os, "the operating system", undefined) : undefined;
    return f ? [f] : [];
  },
});
