import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../../test/support/trees.js";
import { REFERENCE_END, REFERENCE_START, referenceSection, withReference } from "./reference.js";

const MAIN = path.join(REPO_ROOT, "src/cli/main.ts");

test("docs/cli.md's command reference is what the command definitions say", () => {
  const r = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), MAIN, "reference"], {
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
  });
  assert.equal(r.status, 0, r.stderr);
  // Every visible command has its heading, and a flag added anywhere shows up.
  for (const heading of [
    "### `amigate scan <target>`",
    "### `amigate db status`",
    "### `amigate completion <shell>`",
  ])
    assert.ok(r.stdout.includes(heading), heading);
  assert.match(r.stdout, /\| `--severity <list>` \| {2}\| report only these severities/);
  assert.doesNotMatch(r.stdout, /amigate reference/);
  const doc = readFileSync(path.join(REPO_ROOT, "docs/cli.md"), "utf8");
  assert.equal(
    referenceSection(doc),
    r.stdout,
    "docs/cli.md's command reference is stale: run `npx tsx src/cli/main.ts reference --update docs/cli.md`",
  );
});

test("the section is found between its markers and replaced in place", () => {
  const doc = `# x\n\nprose\n\n${REFERENCE_START}\n\nold\n${REFERENCE_END}\nafter\n`;
  assert.equal(referenceSection(doc), "old\n");
  const updated = withReference(doc, "### new\n");
  assert.equal(updated, `# x\n\nprose\n\n${REFERENCE_START}\n\n### new\n\n${REFERENCE_END}\nafter\n`);
  assert.equal(referenceSection(updated), "### new\n");
  assert.equal(referenceSection("no markers"), undefined);
});
