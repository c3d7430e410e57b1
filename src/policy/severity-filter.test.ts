import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleScanResult } from "../../test/support/scan-result.js";
import { keepSeverities, parseSeverityList } from "./severity-filter.js";

test("--severity takes Trivy's comma list in any case, worst first; anything else is an error", () => {
  assert.deepEqual(parseSeverityList("HIGH,critical"), ["critical", "high"]);
  assert.deepEqual(parseSeverityList(" low , info,LOW "), ["low", "info"]);
  assert.throws(() => parseSeverityList("HIGH,severe"), {
    name: "SeverityListError",
    message: '--severity: "severe" is not one of critical, high, medium, low, info',
  });
  assert.throws(() => parseSeverityList(","), { name: "SeverityListError" });
});

test("a filtered report holds only those severities, counts them, and judges --fail-on on them", () => {
  const result = sampleScanResult();
  assert.equal(result.passed, false);
  const low = keepSeverities(result, ["medium", "low", "info"]);
  assert.ok(low.findings.length > 0);
  assert.ok(low.findings.every((f) => ["medium", "low", "info"].includes(f.severity)));
  assert.ok(low.ignored.every((f) => ["medium", "low", "info"].includes(f.severity)));
  assert.deepEqual(low.summary, { ...result.summary, critical: 0, high: 0 });
  assert.equal(low.passed, true);
  assert.deepEqual(low.severityFilter, ["medium", "low", "info"]);
  const top = keepSeverities(result, ["critical"]);
  assert.equal(top.passed, false);
  assert.equal(top.findings.length, result.summary.critical);
  // The record itself is left as it was.
  assert.equal(result.severityFilter, undefined);
});
