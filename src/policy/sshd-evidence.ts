import type { SshdConnection, SshdFacts, SshdSetting } from "../inspect/ssh.js";
import { chainText } from "../inspect/sshd-config.js";
import { matchesEveryConnection } from "../inspect/sshd-connections.js";
import type { FindingDraft } from "./rule.js";

/** Where a finding about an sshd setting points: its line, or the main file for a built-in default. */
export function settingPlace(sshd: SshdFacts, s: SshdSetting): Pick<FindingDraft, "path" | "line"> {
  if (s.path !== undefined) return { path: s.path, ...(s.line !== undefined ? { line: s.line } : {}) };
  return sshd.files[0] !== undefined ? { path: sshd.files[0] } : {};
}

export function describeSetting(s: SshdSetting): string {
  if (s.isDefault) return `${s.keyword} unset (OpenSSH default: ${s.value})`;
  const chain = s.chain ?? [];
  return `${s.keyword} ${s.value} at ${s.path}:${s.line}${chain.length > 0 && !isConditional(s) ? ` (Match ${matchOf(s)})` : ""}`;
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
  const losers = sshd
    .all(s.keyword)
    .filter((o) => !(o.path === s.path && o.line === s.line) && losingValue(o.value));
  const base = describeSetting(s);
  if (losers.length === 0) return base;
  return `${base} wins over ${losers.map(describeSetting).join(", ")} (sshd keeps the first value it reads)`;
}

/**
 * Whether an AuthenticationMethods value still allows a method: unset or "any" allows all;
 * otherwise some comma-separated list must name it ("keyboard-interactive:pam" names
 * keyboard-interactive).
 */
export function methodsAllow(am: SshdSetting | undefined, method: string): boolean {
  if (!am || am.args.length === 0 || am.args.some((a) => a === "any")) return true;
  return am.args.some((list) => list.split(",").some((m) => m.split(":")[0] === method));
}

/** The Match criteria a setting sits under ("User deploy", "User bob and Match all"). */
export function matchOf(s: SshdSetting): string {
  return chainText(s.chain ?? []);
}

/** Set inside a Match block that does not match every connection. */
export function isConditional(s: SshdSetting): boolean {
  return s.chain !== undefined && s.chain.length > 0 && !s.chain.every(matchesEveryConnection);
}

/** A setting that makes sshd do something wrong, and the connections it does it for. */
export interface Offence {
  setting: SshdSetting;
  connections: SshdConnection[];
  /** It does it for every connection sshd serves of a non-root user, or of root. */
  everyone: boolean;
  root: boolean;
}

/**
 * Runs `offender` for each connection that tells the configuration's Match blocks apart (root,
 * the users, groups, hosts, addresses and ports its patterns name, and others; connections sshd
 * drops are left out) and groups the connections by the setting it blames, in reading order of
 * first blame. A Match block that reaches every non-root connection, or every connection of root,
 * is as serious as a global setting.
 */
export function offences(
  sshd: SshdFacts,
  offender: (c: SshdConnection) => SshdSetting | undefined,
): Offence[] {
  const served = sshd.connections.filter((c) => sshd.connectionError(c) === undefined);
  const byPlace = new Map<string, { setting: SshdSetting; connections: SshdConnection[] }>();
  for (const c of served) {
    const s = offender(c);
    if (!s) continue;
    const place = s.isDefault ? `default:${s.keyword}` : `${s.path}:${s.line}`;
    const entry = byPlace.get(place) ?? { setting: s, connections: [] };
    entry.connections.push(c);
    byPlace.set(place, entry);
  }
  const covers = (hit: readonly SshdConnection[], root: boolean) => {
    const all = served.filter((c) => (c.user === "root") === root);
    return all.length > 0 && all.every((c) => hit.includes(c));
  };
  return [...byPlace.values()].map((o) => ({
    ...o,
    everyone: covers(o.connections, false),
    root: covers(o.connections, true),
  }));
}

/** The first setting of `settings` that is conditional, else the first one. */
export function blame(...settings: Array<SshdSetting | undefined>): SshdSetting | undefined {
  const given = settings.filter((s): s is SshdSetting => s !== undefined);
  return given.find(isConditional) ?? given[0];
}
