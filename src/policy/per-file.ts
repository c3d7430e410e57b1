/**
 * One finding per file for rules whose matches repeat within a file (an SDK's endpoint table, a
 * settings file with a dozen passwords): a finding says where to look and what to fix, and the
 * 2,369th line of one table adds nothing but noise. The finding keeps the first match's line and
 * evidence; the rule's message says how many there are.
 */

/** The matches of one file, in the order they were given, with the first one standing for all. */
export interface FileGroup<T> {
  path: string;
  first: T;
  all: T[];
}

/** Groups matches by file, files in order of their first match. */
export function groupByFile<T extends { path: string }>(matches: readonly T[]): Array<FileGroup<T>> {
  const groups = new Map<string, FileGroup<T>>();
  for (const m of matches) {
    const group = groups.get(m.path);
    if (group) group.all.push(m);
    else groups.set(m.path, { path: m.path, first: m, all: [m] });
  }
  return [...groups.values()];
}

/** Names as a message lists them: each once, the first few, then how many more. */
export function nameList(names: readonly string[], shown = 5): string {
  const unique = [...new Set(names)];
  const head = unique.slice(0, shown).join(", ");
  return unique.length > shown ? `${head} and ${unique.length - shown} more` : head;
}
