import type { SshdFacts, SshdSetting } from "../inspect/ssh.js";
import type { FindingDraft } from "./rule.js";

/** Where a finding about an sshd setting points: its line, or the main file for a built-in default. */
export function settingPlace(sshd: SshdFacts, s: SshdSetting): Pick<FindingDraft, "path" | "line"> {
  if (s.path !== undefined) return { path: s.path, ...(s.line !== undefined ? { line: s.line } : {}) };
  return sshd.files[0] !== undefined ? { path: sshd.files[0] } : {};
}

export function describeSetting(s: SshdSetting): string {
  if (s.isDefault) return `${s.keyword} unset (OpenSSH default: ${s.value})`;
  return `${s.keyword} ${s.value} at ${s.path}:${s.line}${s.matchAll ? " (Match all)" : ""}`;
}

/**
 * Evidence for the winning value, naming the lines it beat: sshd keeps the first value it reads,
 * so a drop-in included at the top beats a later line of the main file.
 */
export function winningEvidence(
  sshd: SshdFacts,
  s: SshdSetting,
  losingValue: (v: string) => boolean,
): string {
  const losers = sshd.all(s.keyword).filter((o) => o !== s && losingValue(o.value));
  const base = describeSetting(s);
  if (losers.length === 0) return base;
  return `${base} wins over ${losers.map(describeSetting).join(", ")} (sshd keeps the first value it reads)`;
}

/**
 * Whether AuthenticationMethods still allows a method: unset or "any" allows all; otherwise some
 * comma-separated list must name it ("keyboard-interactive:pam" names keyboard-interactive).
 */
export function methodAllowed(sshd: SshdFacts, method: string): boolean {
  const am = sshd.get("AuthenticationMethods");
  if (!am || am.args.length === 0 || am.args.some((a) => a.toLowerCase() === "any")) return true;
  return am.args.some((list) => list.split(",").some((m) => m.split(":")[0]!.toLowerCase() === method));
}
