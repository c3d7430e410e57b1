import { loadYaml } from "../inspect/load-yaml.js";
import { compilePathGlob, type Matcher } from "../match/wildcard.js";
import type { Finding } from "./result.js";

/**
 * An accepted finding: the rule id, optionally a path (glob) and an expiry date, and the reason
 * shown in reports. `line` is where the entry starts in its file, for messages.
 */
export interface IgnoreEntry {
  rule: string;
  path?: string;
  reason: string;
  /** YYYY-MM-DD: the last day the entry applies (Trivy's convention); after it, it stops applying. */
  expires?: string;
  line?: number;
}

export class IgnoreFileError extends Error {
  override readonly name = "IgnoreFileError";
}

export interface IgnoreFileOptions {
  /** The rule ids an entry may name; an unknown id is an error (a typo would accept nothing). */
  knownRules?: ReadonlySet<string>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isCalendarDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(text);
}

/**
 * Parses an ignore file: a YAML list (or a mapping with an `ignore:` list) of `{rule, path?,
 * expires?, reason}`. A reason is required, so every accepted finding says why in the report.
 * Errors name the file and the entry's line.
 */
export async function parseIgnoreFile(
  text: string,
  file: string,
  options: IgnoreFileOptions = {},
): Promise<IgnoreEntry[]> {
  // yaml is loaded only when there is an ignore file: it is ~70 modules and most scans have none.
  const { parseDocument, LineCounter, isMap, isNode, isSeq } = await loadYaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const syntax = doc.errors[0];
  if (syntax) {
    const at = syntax.linePos?.[0]?.line;
    throw new IgnoreFileError(
      `${file}${at ? `:${at}` : ""}: not valid YAML (${syntax.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")})`,
    );
  }
  const top: unknown = doc.contents;
  if (top == null) return [];
  const list: unknown = isMap(top) ? top.get("ignore", true) : top;
  if (!isSeq(list)) throw new IgnoreFileError(`${file}: expected a list of {rule, path?, expires?, reason}`);
  return list.items.map((node, i) => {
    const line = isNode(node) && node.range ? lines.linePos(node.range[0]).line : undefined;
    const where = `${file}${line !== undefined ? `:${line}` : ""}`;
    const e = (isNode(node) ? node.toJSON() : node) as Partial<Record<string, unknown>> | null;
    if (typeof e?.rule !== "string" || e.rule === "")
      throw new IgnoreFileError(`${where}: entry ${i + 1} has no rule id`);
    if (options.knownRules && !options.knownRules.has(e.rule))
      throw new IgnoreFileError(`${where}: unknown rule id "${e.rule}" (amigate policy lists the rules)`);
    if (typeof e.reason !== "string" || e.reason.trim() === "")
      throw new IgnoreFileError(`${where}: entry ${i + 1} (${e.rule}) has no reason`);
    if (e.path !== undefined && typeof e.path !== "string")
      throw new IgnoreFileError(`${where}: entry ${i + 1} (${e.rule}) path must be a string`);
    if (e.expires !== undefined && (typeof e.expires !== "string" || !isCalendarDate(e.expires)))
      throw new IgnoreFileError(`${where}: entry ${i + 1} (${e.rule}) expires must be a date as YYYY-MM-DD`);
    return {
      rule: e.rule,
      reason: e.reason.trim(),
      ...(e.path ? { path: e.path } : {}),
      ...(e.expires ? { expires: e.expires as string } : {}),
      ...(line !== undefined ? { line } : {}),
    };
  });
}

/**
 * The entries that apply on the scan date, and those past their expiry date (each to be warned
 * about: its findings count again). An entry applies through the day it names.
 */
export function splitExpired(
  entries: readonly IgnoreEntry[],
  asOf: Date,
): { active: IgnoreEntry[]; expired: IgnoreEntry[] } {
  const today = asOf.toISOString().slice(0, 10);
  const active: IgnoreEntry[] = [];
  const expired: IgnoreEntry[] = [];
  for (const e of entries) (e.expires !== undefined && e.expires < today ? expired : active).push(e);
  return { active, expired };
}

const globs = new Map<string, Matcher>();

/**
 * An ignore entry's path glob: `*` and `?` within one path component (names starting with "."
 * included), `**` any depth, `[...]` classes, backslash escapes. Matched without backtracking
 * (src/match/wildcard.ts): picomatch's RegExp took seconds on `*a*a*a*a*a*ax` and minutes with a
 * few more stars.
 */
function pathGlob(pattern: string): Matcher {
  let m = globs.get(pattern);
  if (!m) {
    if (globs.size >= 256) globs.clear();
    m = compilePathGlob(pattern);
    globs.set(pattern, m);
  }
  return m;
}

/** The ignore entry that accepts this finding, if any. */
export function matchIgnore(entries: readonly IgnoreEntry[], finding: Finding): IgnoreEntry | undefined {
  return entries.find((e) => {
    if (e.rule !== finding.rule) return false;
    if (e.path === undefined) return true;
    return finding.path !== undefined && pathGlob(e.path).test(finding.path);
  });
}
