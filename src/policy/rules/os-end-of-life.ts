import type { EolStatus } from "../../vuln/eol/index.js";
import { defineRule, type FindingDraft } from "../rule.js";

/**
 * What the extended support says, in the right tense: "; Expanded Security Maintenance runs to
 * 2030-04-02 (extended support: not counted as supported)", or "; Debian LTS ran to 2026-08-31".
 */
export function extendedNote(s: EolStatus): string {
  const ext = s.extended;
  if (!ext) return "";
  const until = ext.until === true ? "an unstated date" : ext.until;
  if (ext.past) return `; ${ext.label} ran to ${until}`;
  return `; ${ext.label} runs to ${until}${ext.free ? "" : " (extended support: not counted as supported)"}`;
}

export function eolFinding(
  s: EolStatus,
  what: string,
  severity: FindingDraft["severity"],
): FindingDraft | undefined {
  const name = `${s.title} ${s.cycle}${s.codename ? ` (${s.codename})` : ""}`;
  const source = `endoflife.date data as of ${s.asOf}`;
  const ext = s.extended;
  if (s.state === "eol") {
    return {
      message: `${what} ${name} reached end of life${s.eol ? ` on ${s.eol}` : ""}${extendedNote(s)}`,
      evidence: source,
      ...(severity ? { severity } : {}),
    };
  }
  if (s.state === "eol-soon" && s.inFreeExtended && ext && ext.until !== true) {
    return {
      message: `${what} ${name} is in ${ext.label} (free security support from the distribution, counted as supported), which ends on ${ext.until} (in ${s.daysLeft} days); regular security support ended on ${s.eol}`,
      evidence: ext.reference ?? source,
      severity: "low",
    };
  }
  if (s.state === "eol-soon") {
    return {
      message: `${what} ${name} reaches end of life on ${s.eol} (in ${s.daysLeft} days)${extendedNote(s)}`,
      evidence: source,
      severity: "low",
    };
  }
  if (s.state === "extended" && ext) {
    return {
      message: `${what} ${name} is in ${ext.label} until ${ext.until === true ? "an unstated date" : ext.until} (free security support from the distribution, counted as supported); regular security support ended on ${s.eol}`,
      evidence: ext.reference ?? source,
      severity: "info",
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
    "The image's OS release compared with the dated end-of-life dataset on the scan date (--as-of). A distribution's own free extended security support (Debian LTS, through the same -security suite) counts as supported and is an info note naming its end; paid or subscription-only extensions (Ubuntu ESM without Pro, RHEL ELS) do not count.",
  remediation: "Rebuild on a supported release of the OS (e.g. Amazon Linux 2023, Ubuntu 24.04, Debian 13).",
  facts: ["eol"],
  check({ eol }) {
    const f = eol.os ? eolFinding(eol.os, "the operating system", undefined) : undefined;
    return f ? [f] : [];
  },
});
