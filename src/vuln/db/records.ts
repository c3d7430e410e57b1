/** The normalized form every importer produces (OSV schema 1.x fields the matcher uses). */
export interface RangeEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface AffectedPackage {
  /** OSV ecosystem name without the release: "Debian", "Ubuntu", "Alpine", "AlmaLinux", "Amazon Linux"… */
  ecosystem: string;
  /** "12", "22.04", "3.18", "9", "2023" ("" when the record names none). */
  release: string;
  package: string;
  /** ECOSYSTEM ranges only (GIT/SEMVER ranges do not apply to distro packages). */
  ranges: RangeEvent[][];
  versions: string[];
}

export interface Advisory {
  id: string;
  modified?: string;
  published?: string;
  withdrawn?: string;
  summary?: string;
  /** Normalized: critical | high | medium | low | (undefined when unstated). */
  severity?: string;
  /** CVE and other ids (aliases, upstream, related). */
  aliases: string[];
  affected: AffectedPackage[];
}

/** "Debian:12" → Debian/12; "Alpine:v3.18" → 3.18; "Ubuntu:Pro:18.04:LTS" → 18.04; "SUSE:Linux Enterprise Server 15 SP3" → 15.3. */
export function splitEcosystem(value: string): { ecosystem: string; release: string } {
  const colon = value.indexOf(":");
  if (colon < 0) return { ecosystem: value, release: "" };
  const ecosystem = value.slice(0, colon);
  const rest = value.slice(colon + 1);
  const sp = /(\d+)\s*SP(\d+)/i.exec(rest);
  if (sp) return { ecosystem, release: `${sp[1]}.${sp[2]}` };
  const num = /(?:^|[:\s_v])(\d+(?:\.\d+)?)/.exec(rest) ?? /(\d+(?:\.\d+)?)/.exec(rest);
  return { ecosystem, release: num?.[1] ?? rest };
}

/** Maps the many severity vocabularies (Debian urgency, Ubuntu priority, ALAS, Red Hat) to ours. */
export function normalizeSeverity(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.toLowerCase();
  if (/critical/.test(v)) return "critical";
  if (/important|high/.test(v)) return "high";
  if (/moderate|medium/.test(v)) return "medium";
  if (/low|negligible|unimportant/.test(v)) return "low";
  return undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}
function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Reads one OSV record (schema 1.x); returns undefined when it is not an OSV record at all. */
export function fromOsv(json: unknown): Advisory | undefined {
  const r = obj(json);
  const id = str(r?.id);
  if (!r || !id) return undefined;
  let severity: string | undefined;
  for (const s of Array.isArray(r.severity) ? r.severity : []) {
    severity ??= normalizeSeverity(str(obj(s)?.score));
  }
  severity ??= normalizeSeverity(str(obj(r.database_specific)?.severity));
  // AlmaLinux/Rocky/Red Hat summaries start "Important: …".
  severity ??= normalizeSeverity(/^(Critical|Important|Moderate|Low):/.exec(str(r.summary) ?? "")?.[1]);
  const affected: AffectedPackage[] = [];
  for (const a of Array.isArray(r.affected) ? r.affected : []) {
    const pkg = obj(obj(a)?.package);
    const eco = str(pkg?.ecosystem);
    const name = str(pkg?.name);
    if (!eco || !name) continue; // e.g. a GIT-only affected entry
    const ranges: RangeEvent[][] = [];
    for (const range of Array.isArray(obj(a)?.ranges) ? (obj(a)!.ranges as unknown[]) : []) {
      if (str(obj(range)?.type) !== "ECOSYSTEM") continue;
      const events: RangeEvent[] = [];
      for (const e of Array.isArray(obj(range)?.events) ? (obj(range)!.events as unknown[]) : []) {
        const ev = obj(e);
        if (!ev) continue;
        for (const k of ["introduced", "fixed", "last_affected", "limit"] as const) {
          const v = str(ev[k]);
          if (v !== undefined) events.push({ [k]: v });
        }
      }
      if (events.length > 0) ranges.push(events);
    }
    let pkgSeverity = severity;
    pkgSeverity ??= normalizeSeverity(str(obj(obj(a)?.ecosystem_specific)?.urgency));
    severity ??= pkgSeverity;
    affected.push({ ...splitEcosystem(eco), package: name, ranges, versions: strings(obj(a)?.versions) });
  }
  const aliases = [...new Set([...strings(r.aliases), ...strings(r.upstream), ...strings(r.related)])];
  return {
    id,
    ...(str(r.modified) ? { modified: str(r.modified)! } : {}),
    ...(str(r.published) ? { published: str(r.published)! } : {}),
    ...(str(r.withdrawn) ? { withdrawn: str(r.withdrawn)! } : {}),
    ...(str(r.summary) ? { summary: str(r.summary)! } : {}),
    ...(severity ? { severity } : {}),
    aliases,
    affected,
  };
}
