import type { RuntimeFollowingOs } from "../../inspect/eol.js";
import type { EolStatus } from "../../vuln/eol/index.js";
import { defineRule, type FindingDraft } from "../rule.js";

/**
 * What the extended support says, in the right tense: "; Expanded Security Maintenance runs to
 * 2030-04-02 (extended support: not counted as supported)", or "; Debian LTS ran to 2026-08-31".
 * A fragment in the data rather than a message id each: three wordings times three messages.
 */
export function extendedNote(s: EolStatus): string {
  const ext = s.extended;
  if (!ext) return "";
  const until = ext.until === true ? "an unstated date" : ext.until;
  if (ext.past) return `; ${ext.label} ran to ${until}`;
  return `; ${ext.label} runs to ${until}${ext.free ? "" : " (extended support: not counted as supported)"}`;
}

/**
 * The runtimes installed from the release's packages, which the distribution patches only while the
 * release is supported, in the tense of the release's state: "; Python 3.11 from its packages is
 * patched with it", "…lost its security support with it". Empty when there are none.
 */
export function followersNote(s: EolStatus, followers: readonly RuntimeFollowingOs[]): string {
  if (followers.length === 0) return "";
  const names = followers.map((f) => f.name).join(", ");
  const verb = followers.length === 1 ? "is" : "are";
  if (s.state === "eol") return `; ${names} from its packages lost security support with it`;
  return `; ${names} from its packages ${verb} patched with it, not by upstream's dates`;
}

/** The messages of an end-of-life rule about `subject` ("the operating system"). */
export function eolMessages(subject: string) {
  const counted = "(free security support from the distribution, counted as supported)";
  return {
    endOfLife: `${subject} {{name}} reached end of life on {{eol}}{{extended}}{{runtimes}}`,
    endOfLifeUndated: `${subject} {{name}} reached end of life{{extended}}{{runtimes}}`,
    endOfLifeSoon: `${subject} {{name}} reaches end of life on {{eol}} (in {{daysLeft}} days){{extended}}{{runtimes}}`,
    freeExtendedEnding: `${subject} {{name}} is in {{support}} ${counted}, which ends on {{until}} (in {{daysLeft}} days); regular security support ended on {{eol}}{{runtimes}}`,
    freeExtended: `${subject} {{name}} is in {{support}} until {{until}} ${counted}; regular security support ended on {{eol}}{{runtimes}}`,
  };
}

type EolMessageId = keyof ReturnType<typeof eolMessages>;

/**
 * The finding for a release past or near its end of life, or in free extended support; none while
 * supported. `followers` are the runtimes from its packages, named in the message.
 */
export function eolFinding(
  s: EolStatus,
  followers: readonly RuntimeFollowingOs[] = [],
): FindingDraft<EolMessageId> | undefined {
  const name = `${s.title} ${s.cycle}${s.codename ? ` (${s.codename})` : ""}`;
  const runtimes = followersNote(s, followers);
  const source = `endoflife.date data as of ${s.asOf}`;
  const ext = s.extended;
  // Only a release in free extended support can lack a date here (its dataset entry says `eol: true`).
  const eol = s.eol ?? "an unstated date";
  if (s.state === "eol") {
    const data = { name, extended: extendedNote(s), runtimes };
    return s.eol !== undefined
      ? { messageId: "endOfLife", data: { ...data, eol }, evidence: source }
      : { messageId: "endOfLifeUndated", data, evidence: source };
  }
  if (s.state === "eol-soon" && s.inFreeExtended && ext && ext.until !== true) {
    return {
      messageId: "freeExtendedEnding",
      data: { name, support: ext.label, until: ext.until, daysLeft: s.daysLeft!, eol, runtimes },
      evidence: ext.reference ?? source,
      severity: "low",
    };
  }
  if (s.state === "eol-soon") {
    return {
      messageId: "endOfLifeSoon",
      data: { name, eol, daysLeft: s.daysLeft!, extended: extendedNote(s), runtimes },
      evidence: source,
      severity: "low",
    };
  }
  if (s.state === "extended" && ext) {
    return {
      messageId: "freeExtended",
      data: {
        name,
        support: ext.label,
        until: ext.until === true ? "an unstated date" : ext.until,
        eol,
        runtimes,
      },
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
    "The image's OS release compared with the dated end-of-life dataset on the scan date (--as-of). A distribution's own free extended security support (Debian LTS, through the same -security suite) counts as supported and is an info note naming its end; paid or subscription-only extensions (Ubuntu ESM without Pro, RHEL ELS) do not count. Runtimes installed from the distribution's packages (Debian's python3.11, nginx 1.22) are patched with the release and end with it: the finding names them, and runtime-end-of-life does not charge them again.",
  remediation: "Rebuild on a supported release of the OS (e.g. Amazon Linux 2023, Ubuntu 24.04, Debian 13).",
  messages: eolMessages("the operating system"),
  facts: ["eol", "os"],
  check({ eol, os }) {
    const f = eol.os ? eolFinding(eol.os, eol.followingOs) : undefined;
    if (!f) return [];
    // The file the release was read from proves it (/etc/os-release, the SOFTWARE hive…): a
    // location for viewers that need a file (GitHub code scanning).
    return [os.source !== undefined ? { ...f, path: os.source } : f];
  },
});
