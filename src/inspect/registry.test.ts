import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { inspectors, inspectorsByName } from "./registry.js";

/** The fact names facts.ts declares, read from its `interface Facts { name: Type; … }`. */
function declaredFacts(): string[] {
  const text = readFileSync(new URL("./facts.ts", import.meta.url), "utf8");
  const body = /export interface Facts \{([^}]*)\}/.exec(text)?.[1];
  assert.ok(body, "facts.ts declares `export interface Facts { … }`");
  return [...body.matchAll(/^\s*([A-Za-z_$][\w$]*)\??:/gm)].map((m) => m[1]!);
}

describe("inspector registry", () => {
  const names = inspectors.map((i) => i.name);

  it("lists each inspector once", () => {
    const seen = new Set<string>();
    const duplicates = names.filter((n) => seen.size === seen.add(n).size);
    assert.deepEqual(duplicates, []);
  });

  it("is sorted by name", () => {
    const unsorted = names.filter((n, i) => i > 0 && names[i - 1]! >= n);
    assert.deepEqual(unsorted, [], `out of order after its predecessor: ${unsorted.join(", ")}`);
  });

  it("has exactly one inspector for every fact of facts.ts, and none for anything else", () => {
    const facts = declaredFacts();
    assert.ok(facts.length > 10, `parsed ${facts.length} facts`);
    for (const fact of facts) {
      assert.equal(names.filter((n) => n === fact).length, 1, `inspectors for fact "${fact}"`);
    }
    assert.deepEqual([...names].sort(), [...facts].sort());
    assert.deepEqual([...inspectorsByName.keys()], names);
  });

  it("maps each name to the inspector of that name", () => {
    for (const [name, inspector] of inspectorsByName) assert.equal(inspector.name, name);
  });
});
