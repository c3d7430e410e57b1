import { loadYaml } from "../inspect/load-yaml.js";
import { compilePathGlob, type Matcher } from "../match/wildcard.js";
import type { Finding } from "./result.js";

/** An accepted finding: the rule id, optionally a path (glob), and the reason shown in reports. */
export interface IgnoreEntry {
  rule: string;
  path?: string;
  reason: string;
}

export class IgnoreFileError extends Error {
  override readonly name = "IgnoreFileError";
}

/**
 * Parses an ignore file: a YAML list of `{rule, path?, reason}`. A reason is required, so every
 * accepted finding says why in the report.
 */
export async function parseIgnoreFile(text: string, file: string): Promise<IgnoreEntry[]> {
  // yaml is loaded only when there is an ignore file: it is ~70 modules and most scans have none.
  const { parse } = await loadYaml();
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new IgnoreFileError(`${file}: not valid YAML (${(e as Error).message.split("\n")[0]})`);
  }
  if (doc == null) return [];
  const list = Array.isArray(doc) ? doc : (doc as { ignore?: unknown }).ignore;
  if (!Array.isArray(list)) throw new IgnoreFileError(`${file}: expected a list of {rule, path?, reason}`);
  return list.map((item, i) => {
    const e = item as Partial<Record<string, unknown>>;
    if (typeof e?.rule !== "string" || e.rule === "")
      throw new IgnoreFileError(`${file}: entry ${i + 1} has no rule id`);
    if (typeof e.reason !== "string" || e.reason.trim() === "")
      throw new IgnoreFileError(`${file}: entry ${i + 1} (${e.rule}) has no reason`);
    if (e.path !== undefined && typeof e.path !== "string")
      throw new IgnoreFileError(`${file}: entry ${i + 1} (${e.rule}) path must be a string`);
    return { rule: e.rule, reason: e.reason.trim(), ...(e.path ? { path: e.path } : {}) };
  });
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
