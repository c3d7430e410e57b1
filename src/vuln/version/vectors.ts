import { readFileSync } from "node:fs";

/** One line of a version-vector file: "a OP b", where OP may be negated ("!<") or a fuzzy match ("~"). */
export interface VersionVector {
  line: number;
  a: string;
  op: string;
  b: string;
}

/** Reads the corpus vector files (osv-scalibr "a op b", rpmvercmp converted, apk-tools version.data). */
export function readVectors(file: string): {
  comparisons: VersionVector[];
  validity: Array<{ line: number; version: string; valid: boolean }>;
} {
  const comparisons: VersionVector[] = [];
  const validity: Array<{ line: number; version: string; valid: boolean }> = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((raw, index) => {
      const text = raw.replace(/#.*$/, "").trim();
      if (text === "") return;
      const parts = text.split(/\s+/);
      if (parts.length === 3)
        comparisons.push({ line: index + 1, a: parts[0]!, op: parts[1]!, b: parts[2]! });
      else if (parts.length === 1) {
        const valid = !parts[0]!.startsWith("!");
        validity.push({ line: index + 1, version: valid ? parts[0]! : parts[0]!.slice(1), valid });
      } else throw new Error(`${file}:${index + 1}: unreadable vector "${raw}"`);
    });
  return { comparisons, validity };
}
