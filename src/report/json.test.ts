import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { SAMPLE_SECRET, sampleScanResult } from "../../test/support/scan-result.js";
import { REPO_ROOT } from "../../test/support/trees.js";
import { renderJson } from "./json.js";

/** Fields whose value is a map keyed by a rule's own names (message ids, placeholders), not by fields. */
const MAP_FIELDS = new Set(["data", "messages"]);

/** Every object key in a JSON value, at any depth (a map field's own keys are not fields). */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysOf(v, into);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      if (!MAP_FIELDS.has(k)) keysOf(v, into);
    }
  }
  return into;
}

test("the JSON report is the record as is, and masks nothing it did not already hold", () => {
  const result = sampleScanResult();
  const text = renderJson(result);
  assert.deepEqual(JSON.parse(text), result);
  assert.ok(!text.includes(SAMPLE_SECRET));
});

test("docs/report-json.md documents every field the report has", () => {
  const doc = readFileSync(path.join(REPO_ROOT, "docs/report-json.md"), "utf8");
  const undocumented = [...keysOf(JSON.parse(renderJson(sampleScanResult())))].filter(
    (k) => !doc.includes(`\`${k}\``),
  );
  assert.deepEqual(undocumented, []);
});
