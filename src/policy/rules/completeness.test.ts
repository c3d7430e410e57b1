import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { CLAUSE_IDS } from "../clauses.js";
import { clauseCoverage } from "../mapping.js";
import type { Rule } from "../rule.js";
import { rules } from "./index.js";

/**
 * Every rule has a RuleTester table, message ids and its documentation.
 *
 * A table: some test file in this folder imports the rule's module (`import x from "./<id>.js"`)
 * and passes that import to `testRule(x, …)` (test/support/rule-tester.ts).
 *
 * Messages: ESLint-style templates by message id; the failing trees of its table produce every id
 * it declares (testRule checks that as the table runs), none left unused.
 *
 * Documentation: a rule documents itself. `amigate policy` lists each rule under the clauses it
 * names with its title and severity (src/policy/mapping.ts); reports (text, HTML, JSON, SARIF
 * `tool.driver.rules`) carry its title, description and remediation. So each of those must be
 * non-empty, and each clause must be one of CLAUSES.md. docs/ lists no rules one by one.
 */

/** Rules a table of trees cannot judge, and the test that covers each instead. */
const NO_TABLE: Record<string, { why: string; test: string }> = {
  "archive-unsafe-entry": {
    why: "its findings come from the tar reader (the target), never from the scanned tree",
    test: "archive-unsafe-entry.test.ts",
  },
};

const dir = new URL("./", import.meta.url);
const testFiles = readdirSync(dir)
  .filter((f) => f.endsWith(".test.ts"))
  .sort();
const source = (file: string) => readFileSync(new URL(file, dir), "utf8");

/** Module file ("ssh-root-login") → the test files that pass its default export to testRule. */
function tablesByModule(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of testFiles) {
    const text = source(file);
    const imported = new Map<string, string>();
    for (const m of text.matchAll(/^import\s+([A-Za-z_$][\w$]*)\s+from\s+"\.\/([\w-]+)\.js";/gm))
      imported.set(m[1]!, m[2]!);
    for (const m of text.matchAll(/\btestRule\(\s*([A-Za-z_$][\w$]*)\s*,/g)) {
      const module = imported.get(m[1]!);
      if (module) out.set(module, [...(out.get(module) ?? []), file]);
    }
  }
  return out;
}

/** Rule id → the test files with its table (modules are loaded to see which rule each exports). */
let found: Promise<Map<string, string[]>> | undefined;
function tablesByRule(): Promise<Map<string, string[]>> {
  found ??= loadTables();
  return found;
}

async function loadTables(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const [module, files] of tablesByModule()) {
    const rule = ((await import(`./${module}.js`)) as { default?: Rule }).default;
    assert.ok(
      rule && rules.includes(rule),
      `./${module}.js, given to testRule in ${files}, exports a listed rule`,
    );
    out.set(rule.id, [...(out.get(rule.id) ?? []), ...files]);
  }
  return out;
}

describe("every rule has a RuleTester table", () => {
  it("the convention is seen: most rules are found with their tables", async () => {
    const tables = await tablesByRule();
    assert.ok(tables.size >= rules.length - Object.keys(NO_TABLE).length, `${tables.size} rules with tables`);
    assert.deepEqual(tables.get("ssh-root-login"), ["ssh-root-login.test.ts"]);
    assert.deepEqual(tables.get("kernel-nitro-drivers"), ["platform-rules.test.ts"]);
  });

  it("each rule has one, unless listed as judged by other tests", async () => {
    const tables = await tablesByRule();
    const missing = rules.map((r) => r.id).filter((id) => !tables.has(id) && !(id in NO_TABLE));
    assert.deepEqual(missing, [], "rules without a testRule table in src/policy/rules/*.test.ts");
  });

  it("the exceptions are rules, still without a table, named by the test that covers them", async () => {
    const tables = await tablesByRule();
    for (const [id, { why, test }] of Object.entries(NO_TABLE)) {
      assert.ok(
        rules.some((r) => r.id === id),
        `${id} is a rule`,
      );
      assert.ok(!tables.has(id), `${id} has a table now: remove it from NO_TABLE`);
      assert.ok(why.length > 0);
      assert.ok(testFiles.includes(test) && source(test).includes(id), `${test} tests ${id}`);
    }
  });
});

describe("every rule says what it found with message ids", () => {
  it("declares messages: well-formed templates whose placeholders are names", () => {
    const problems: string[] = [];
    for (const r of rules) {
      const messages = Object.entries(r.messages ?? {});
      if (messages.length === 0) problems.push(`${r.id}: no messages`);
      for (const [id, template] of messages) {
        if (!/^[a-z][A-Za-z0-9]*$/.test(id)) problems.push(`${r.id}: message id ${id} is not camelCase`);
        if (template.trim() === "") problems.push(`${r.id}.${id}: empty template`);
        // Every "{{" opens a placeholder of a name: none that the renderer would leave as written.
        if (/\{\{|\}\}/.test(template.replace(/\{\{\s*[A-Za-z_$][\w$]*\s*\}\}/g, "")))
          problems.push(`${r.id}.${id}: malformed placeholder in ${JSON.stringify(template)}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it("every id is produced by a failing tree of its table (RuleTester checks it, so every table runs through it)", async () => {
    // The tables run in their own test files (one process each), so the produced ids are known
    // there: testRule's last case asserts every declared id is produced or named in
    // messagesJudgedElsewhere with the test that renders it. Here: that each table goes through it.
    const tester = readFileSync(new URL("../../../test/support/rule-tester.ts", import.meta.url), "utf8");
    assert.match(tester, /the failing trees produce every message id it declares/);
    const tables = await tablesByRule();
    for (const r of rules) if (!(r.id in NO_TABLE)) assert.ok(tables.has(r.id), `${r.id} has a table`);
  });

  it("a rule judged without a table has each of its message ids in the test that covers it", () => {
    for (const [id, { test }] of Object.entries(NO_TABLE)) {
      const rule = rules.find((r) => r.id === id)!;
      for (const messageId of Object.keys(rule.messages ?? {}))
        assert.ok(source(test).includes(`"${messageId}"`), `${test} checks ${id}'s message ${messageId}`);
    }
  });
});

describe("every rule is documented", () => {
  it("has a title, description and remediation, and names clauses of CLAUSES.md", () => {
    const problems: string[] = [];
    for (const r of rules) {
      if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(r.id)) problems.push(`${r.id}: id is not kebab-case`);
      for (const field of ["title", "description", "remediation"] as const)
        if (r[field].trim() === "") problems.push(`${r.id}: empty ${field}`);
      if (r.clauses.length === 0) problems.push(`${r.id}: no clause`);
      for (const c of r.clauses)
        if (!CLAUSE_IDS.has(c)) problems.push(`${r.id}: clause ${c} is not in CLAUSES.md`);
    }
    assert.deepEqual(problems, []);
  });

  it("each is listed by `amigate policy` under its clauses, once per clause", () => {
    const listed = new Map<string, string[]>();
    for (const c of clauseCoverage())
      for (const item of c.coveredBy)
        if (item.kind === "rule") listed.set(item.id, [...(listed.get(item.id) ?? []), c.clause]);
    for (const r of rules) assert.deepEqual(listed.get(r.id)?.sort(), [...r.clauses].sort(), r.id);
  });

  it("ids are unique, and each lives in the file named after it", () => {
    const ids = rules.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "index.ts")
      .map((f) => f.slice(0, -3));
    for (const id of ids) assert.ok(files.includes(id), `src/policy/rules/${id}.ts`);
  });
});
