import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

/**
 * The SARIF 2.1.0 JSON schema as Microsoft's SARIF SDK ships it (@microsoft/jest-sarif,
 * sarif-2.1.0-rtm.5.json: the release schema of the OASIS standard). It declares draft-04, whose
 * keywords as used there (no boolean exclusiveMinimum, `id` only at the top) mean the same in
 * draft-07, so Ajv's default draft compiles it once the draft-04 header is dropped.
 */
export function sarifValidator(): ValidateFunction {
  const require = createRequire(import.meta.url);
  const file = require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
  const schema = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  assert.equal(schema.$schema, "http://json-schema.org/draft-04/schema#");
  assert.doesNotMatch(JSON.stringify(schema), /"exclusiveM(in|ax)imum"/);
  delete schema.$schema;
  delete schema.id;
  // The schema's language pattern ("…{2}]?$") is only valid without the u flag, as in draft-04 tools.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats.default(ajv);
  return ajv.compile(schema);
}
