/** The layer order of scripts/check-layers.mjs holds, and the check catches what it is for. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { LAYERS, violations } from "../scripts/check-layers.mjs";
import { REPO_ROOT } from "./support/trees.js";

test("the source tree has no upward import (npm run lint runs the same check)", () => {
  const out = execFileSync(process.execPath, [path.join(REPO_ROOT, "scripts/check-layers.mjs")], {
    encoding: "utf8",
  });
  assert.match(out, /no upward import/);
});

test("an upward import, an import from outside src/ (test support) and a file in no layer are each reported", () => {
  const found = violations([
    { rel: "fs/ext4/inode.ts", text: 'import { scan } from "../../scan/session.js";\n' },
    { rel: "inspect/os.ts", text: 'import { debianImage } from "../../test/support/trees.js";\n' },
    { rel: "policy/rule.ts", text: 'import type { FileTree } from "../fs/filetree.js";\n' },
    { rel: "stray/thing.ts", text: "" },
  ]);
  assert.deepEqual(found, [
    "fs/ext4/inode.ts (fs) imports scan/session.ts (scan)",
    "inspect/os.ts (inspect) imports ../test/support/trees.ts (outside src/)",
    "stray/thing.ts is in no layer (add its folder to LAYERS in scripts/check-layers.mjs)",
  ]);
});

test("README's 'How it is built' names the layers in the order the check enforces", () => {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## How it is built"), readme.indexOf("## Dependencies"));
  const positions = LAYERS.map(([name]) => section.indexOf(`\`${name}/\``));
  assert.ok(
    positions.every((p) => p >= 0),
    `every layer named: ${LAYERS.map(([n]) => n).join(", ")}`,
  );
  assert.deepEqual(
    [...positions].sort((a, b) => a - b),
    positions,
    "in the enforced order",
  );
});
