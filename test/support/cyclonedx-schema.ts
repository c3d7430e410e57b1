import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

/**
 * The CycloneDX 1.6 JSON schema as @cyclonedx/cyclonedx-library ships it (res/schema: the official
 * schemas, with the SPDX license list and JSF they reference), compiled with Ajv (draft-07). Two
 * formats Ajv's plugin lacks are checked loosely: iri-reference (no whitespace, not empty) and
 * idn-email (one @ between non-blank parts).
 */
export function cycloneDxValidator(): ValidateFunction {
  const require = createRequire(import.meta.url);
  const dir = path.join(
    path.dirname(require.resolve("@cyclonedx/cyclonedx-library/package.json")),
    "res/schema",
  );
  const load = (name: string) =>
    JSON.parse(readFileSync(path.join(dir, name), "utf8")) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  ajv.addFormat("iri-reference", /^\S+$/);
  ajv.addFormat("idn-email", /^[^\s@]+@[^\s@]+$/);
  // The bom schema names its neighbours by file name, relative to its own $id.
  for (const name of ["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"]) {
    const schema = load(name);
    delete schema.$id;
    ajv.addSchema(schema, `http://cyclonedx.org/schema/${name}`);
  }
  return ajv.compile(load("bom-1.6.SNAPSHOT.schema.json"));
}
