import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { SHARED } from "../../test/support/trees.js";
import { CLAUSES } from "./clauses.js";
import { clauseCoverage } from "./mapping.js";

const clausesMd = readFileSync(path.join(SHARED, "policy/CLAUSES.md"), "utf8");
const idsInMd = [...clausesMd.matchAll(/^\| ([A-Z]{3}-\d+) \|/gm)].map((m) => m[1]);

test("clauses.ts holds exactly the clause IDs of CLAUSES.md, in order", () => {
  assert.ok(idsInMd.length > 40);
  assert.deepEqual(
    CLAUSES.map((c) => c.id),
    idsInMd,
  );
});

/**
 * Image clauses whose rules have not landed yet, with the issue that brings them. The test below
 * fails both when a clause is missing from here and when its rule lands (so this list only shrinks).
 */
const PENDING_IMAGE_RULES: Record<string, string> = {};

test("every clause is covered by a rule, a metadata check, an attestation item or a catalogue behaviour", () => {
  const uncovered = clauseCoverage()
    .filter((c) => c.coveredBy.length === 0)
    .map((c) => c.clause);
  assert.deepEqual(
    uncovered,
    Object.keys(PENDING_IMAGE_RULES).filter((id) => uncovered.includes(id)),
  );
});

test("every clause judged from the image has at least one rule (or is listed as pending)", () => {
  const coverage = new Map(clauseCoverage().map((c) => [c.clause, c]));
  const missing = CLAUSES.filter((c) => c.how.includes("image"))
    .filter((c) => !coverage.get(c.id)!.coveredBy.some((x) => x.kind === "rule"))
    .map((c) => c.id);
  assert.deepEqual(missing, Object.keys(PENDING_IMAGE_RULES));
});
