import { defineRule } from "../rule.js";

/**
 * Coverage is a verdict: what could hold a finding and was not read never passes silently. The
 * root's own gaps come from the coverage fact; the target's (no OS root, a filesystem we do not
 * read, a damaged archive, a bound reached) are added by the session with this rule's id, and a
 * rule whose facts could not be computed (ruleNotRun) by the engine: that rule judged nothing.
 */
export default defineRule({
  id: "scan-incomplete",
  title: "part of the image could not be read",
  clauses: ["SEC-1", "SEC-4"],
  severity: "high",
  description:
    "Something that could hold a vulnerability, malware or a credential was not read (a filesystem amigate does not read, a damaged or truncated archive, an index bound reached, an unreadable or oversized account, sudo or sshd file), so the scan cannot vouch for it.",
  remediation:
    "Scan an image amigate can read whole: convert the filesystem to ext4, XFS, vfat or NTFS, repair or re-create the archive, keep account and sshd files to their normal size. If the part is meant to be unreadable, accept the finding in an ignore file with the reason.",
  // The reasons are the readers' own words (coverage fact, TargetGap); rootGap is a root's, targetGap the target's.
  messages: {
    rootGap: "not read: {{reason}}",
    targetGap: "not read: {{where}}: {{reason}}",
    ruleNotRun: "not checked: rule {{rule}} could not run: {{reason}}",
  },
  facts: ["coverage"],
  check({ coverage }) {
    return coverage.gaps.map((g) => ({
      ...(g.path !== undefined ? { path: g.path } : {}),
      messageId: "rootGap",
      data: { reason: g.reason },
    }));
  },
});
