import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { SHARED } from "../../../test/support/trees.js";
import * as apk from "./apk.js";
import * as dpkg from "./dpkg.js";
import * as rpm from "./rpm.js";
import { readVectors } from "./vectors.js";

const dir = path.join(SHARED, "corpus/versions");

function holds(op: string, c: number): boolean {
  return op === "<" ? c < 0 : op === ">" ? c > 0 : c === 0;
}

/** Every vector of every file must hold, both ways round (a op b and b op' a). */
function checkFile(file: string, compare: (a: string, b: string) => number): number {
  const { comparisons } = readVectors(path.join(dir, file));
  const failures: string[] = [];
  for (const v of comparisons) {
    const c = compare(v.a, v.b);
    const r = compare(v.b, v.a);
    if (!holds(v.op, c) || !holds(v.op, -r))
      failures.push(`${file}:${v.line}: ${v.a} ${v.op} ${v.b} (got ${c}, reverse ${r})`);
  }
  assert.deepEqual(failures, []);
  return comparisons.length;
}

describe("version order against the corpus vectors", () => {
  it("dpkg: osv-scalibr debian-versions and debian-versions-generated", () => {
    assert.ok(checkFile("osv-scalibr/debian-versions.txt", dpkg.compare) >= 30);
    assert.ok(checkFile("osv-scalibr/debian-versions-generated.txt", dpkg.compare) >= 14000);
  });
  it("rpm: rpmvercmp.at and osv-scalibr redhat-versions", () => {
    assert.ok(checkFile("rpm/rpmvercmp.txt", rpm.compare) >= 90);
    assert.ok(checkFile("osv-scalibr/redhat-versions.txt", rpm.compare) >= 150);
  });
  it("apk: osv-scalibr alpine-versions and alpine-versions-generated", () => {
    assert.ok(checkFile("osv-scalibr/alpine-versions.txt", apk.compare) >= 600);
    assert.ok(checkFile("osv-scalibr/alpine-versions-generated.txt", apk.compare) >= 13000);
  });
  it("apk: apk-tools version.data (ordering, negated ordering, fuzzy match, validity)", () => {
    const { comparisons, validity } = readVectors(path.join(dir, "apk-tools/version.data"));
    const failures: string[] = [];
    for (const v of comparisons) {
      const negated = v.op.startsWith("!");
      const op = negated ? v.op.slice(1) : v.op;
      let ok: boolean;
      if (op.includes("~")) ok = apk.fuzzyMatch(v.a, op, v.b);
      else ok = holds(op, apk.compare(v.a, v.b));
      if (ok === negated) failures.push(`line ${v.line}: ${v.a} ${v.op} ${v.b}`);
    }
    for (const v of validity) {
      if (apk.isValid(v.version) !== v.valid)
        failures.push(`line ${v.line}: ${v.valid ? "" : "!"}${v.version} validity`);
    }
    assert.deepEqual(failures, []);
    assert.ok(comparisons.length > 700 && validity.length > 20);
  });
});
