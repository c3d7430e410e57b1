/**
 * A scan's facts snapshot: per root, the facts the time-dependent inspectors read (the OS and the
 * package inventory), so end of life and known vulnerabilities can be judged again on a later date
 * or with a newer database without reading the image (rejudge.ts). Plain JSON, versioned.
 */

import type { FactName, Facts } from "../inspect/facts.js";
import { describeError } from "../io/errors.js";
import { VERSION } from "../version.js";
import type { SessionRoot } from "./session.js";

/** The facts whose value changes with the date (end of life) or the database (vulnerabilities). */
export const TIME_DEPENDENT_FACTS = ["eol", "vulnerabilities"] as const satisfies readonly FactName[];

/**
 * Everything the time-dependent inspectors read (snapshot.test.ts fails when one starts reading
 * another fact, or a file).
 */
export const SNAPSHOT_FACTS = ["os", "packages"] as const satisfies readonly FactName[];

export type TimeDependentFact = (typeof TIME_DEPENDENT_FACTS)[number];
export type SnapshotFact = (typeof SNAPSHOT_FACTS)[number];

export const FACTS_SNAPSHOT_FORMAT = "amigate-facts";
export const FACTS_SNAPSHOT_VERSION = 1;

export interface RootSnapshot {
  /** Where the root sits in the target, as in the report's roots. */
  root: string;
  facts: Partial<Pick<Facts, SnapshotFact>>;
  /** A fact that could not be computed in the scan: what it failed with, so a re-judgement fails alike. */
  failed: Partial<Record<SnapshotFact, string>>;
  /** The root's notes said by inspectors other than the time-dependent ones, in the order said. */
  notes: string[];
  /** Where among `notes` the time-dependent inspectors' notes stood (their first one's place). */
  judgedNotesAt: number;
}

export interface FactsSnapshot {
  format: typeof FACTS_SNAPSHOT_FORMAT;
  version: typeof FACTS_SNAPSHOT_VERSION;
  tool: { name: "amigate"; version: string };
  /** The scan's date (the report's scannedAt). */
  takenAt: string;
  roots: RootSnapshot[];
}

/** A snapshot that is not one this amigate reads (another format or version, a damaged record). */
export class FactsSnapshotError extends Error {
  override readonly name = "FactsSnapshotError";
}

const isTimeDependent = (name: FactName) => (TIME_DEPENDENT_FACTS as readonly FactName[]).includes(name);

/**
 * The snapshot of a session's roots after its rules ran. Facts no rule asked for are computed now
 * (a scan with a subset of the rules), so every snapshot is complete.
 */
export async function takeSnapshot(roots: readonly SessionRoot[], takenAt: string): Promise<FactsSnapshot> {
  const out: RootSnapshot[] = [];
  for (const { root, facts } of roots) {
    const values: RootSnapshot["facts"] = {};
    const failed: RootSnapshot["failed"] = {};
    for (const name of SNAPSHOT_FACTS) {
      try {
        (values as Record<string, unknown>)[name] = await facts.get(name);
      } catch (e) {
        failed[name] = describeError(e);
      }
    }
    const notes: string[] = [];
    let judgedNotesAt: number | undefined;
    for (const text of facts.notes) {
      const by = facts.noteSources.get(text) ?? [];
      if (by.length > 0 && by.every(isTimeDependent)) judgedNotesAt ??= notes.length;
      else notes.push(text);
    }
    out.push({ root, facts: values, failed, notes, judgedNotesAt: judgedNotesAt ?? notes.length });
  }
  return {
    format: FACTS_SNAPSHOT_FORMAT,
    version: FACTS_SNAPSHOT_VERSION,
    tool: { name: "amigate", version: VERSION },
    takenAt,
    roots: out,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A snapshot from its JSON, checked for the shape re-judging relies on (format, version, roots
 * with their facts); anything else is a FactsSnapshotError naming what is wrong.
 */
export function parseSnapshot(text: string): FactsSnapshot {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new FactsSnapshotError(`facts snapshot: not JSON (${describeError(e)})`);
  }
  if (!isRecord(doc) || doc.format !== FACTS_SNAPSHOT_FORMAT)
    throw new FactsSnapshotError(`facts snapshot: format is not "${FACTS_SNAPSHOT_FORMAT}"`);
  if (doc.version !== FACTS_SNAPSHOT_VERSION)
    throw new FactsSnapshotError(
      `facts snapshot: version ${JSON.stringify(doc.version)}, this amigate reads ${FACTS_SNAPSHOT_VERSION}`,
    );
  if (typeof doc.takenAt !== "string" || !Array.isArray(doc.roots))
    throw new FactsSnapshotError("facts snapshot: takenAt or roots missing");
  doc.roots.forEach((r: unknown, i) => {
    const where = `facts snapshot: root ${i + 1}`;
    if (!isRecord(r) || typeof r.root !== "string" || !isRecord(r.facts) || !isRecord(r.failed))
      throw new FactsSnapshotError(`${where}: root, facts or failed missing`);
    if (!Array.isArray(r.notes) || !r.notes.every((n) => typeof n === "string"))
      throw new FactsSnapshotError(`${where}: notes must be a list of strings`);
    if (!Number.isInteger(r.judgedNotesAt) || (r.judgedNotesAt as number) < 0)
      throw new FactsSnapshotError(`${where}: judgedNotesAt must be a whole number`);
    for (const name of SNAPSHOT_FACTS) {
      const value = r.facts[name];
      if (value === undefined ? typeof r.failed[name] !== "string" : !isRecord(value))
        throw new FactsSnapshotError(`${where}: fact ${name} is neither a value nor a failure`);
    }
    const packages = r.facts.packages;
    if (isRecord(packages) && !(Array.isArray(packages.packages) && Array.isArray(packages.runtimes)))
      throw new FactsSnapshotError(`${where}: packages must list packages and runtimes`);
  });
  return doc as unknown as FactsSnapshot;
}
