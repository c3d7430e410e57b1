/** The layer order of scripts/check-layers.mjs holds, and the checks catch what they are for. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { LAYERS, unlayered } from "../scripts/check-layers.mjs";
import { REPO_ROOT } from "./support/trees.js";

const depcruise = path.join(REPO_ROOT, "node_modules/.bin/depcruise");
const config = path.join(REPO_ROOT, ".dependency-cruiser.mjs");

// CI sets CI=true, which makes depcruise's colour library colour its output: turn colour off, and
// strip any escape that still comes through, so the lines compare as text.
function cruise(cwd: string) {
  const r = spawnSync(depcruise, ["src", "--config", config, "--output-type", "err"], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
  });
  const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
  return { status: r.status, error: r.error, output: plain(r.stdout + r.stderr) };
}

function cruisedModules(output: string): number {
  return Number(/(\d+) modules, \d+ dependencies cruised/.exec(output)?.[1] ?? 0);
}

test("the source tree has no upward import and every file is in a layer (npm run lint runs the same)", () => {
  const r = cruise(REPO_ROOT);
  assert.equal(r.status, 0, r.output);
  // A cruise that read nothing also exits 0: the tree has hundreds of modules.
  assert.ok(cruisedModules(r.output) > 300, r.output);
  const out = execFileSync(process.execPath, [path.join(REPO_ROOT, "scripts/check-layers.mjs")], {
    encoding: "utf8",
  });
  assert.match(out, /every file in a layer/);
});

const tree = mkdtempSync(path.join(tmpdir(), "amigate-layers-"));
after(() => rmSync(tree, { recursive: true, force: true }));

function write(rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
  writeFileSync(path.join(tree, rel), text);
}

test("dependency-cruiser reports an upward import, a type-only one and one from outside src/; tests are exempt", () => {
  write("src/scan/session.ts", "export const scan = 1;\n");
  write("src/inspect/facts.ts", "export interface Facts { a: number }\n");
  write("src/fs/filetree.ts", "export interface FileTree { b: number }\n");
  write("test/support/trees.ts", "export const debianImage = 1;\n");
  write("src/fs/ext4/inode.ts", 'import { scan } from "../../scan/session.js";\nexport const x = scan;\n');
  write("src/fs/image.ts", 'import type { Facts } from "../inspect/facts.js";\nexport type I = Facts;\n');
  write(
    "src/inspect/os.ts",
    'import { debianImage } from "../../test/support/trees.js";\nexport const o = debianImage;\n',
  );
  write(
    "src/policy/rule.ts",
    'import type { FileTree } from "../fs/filetree.js";\nexport type R = FileTree;\n',
  );
  write("src/fs/image.test.ts", 'import { scan } from "../scan/session.js";\nexport const t = scan;\n');
  const r = cruise(tree);
  assert.ok(r.status !== null && r.status !== 0, r.output);
  const lines = r.output
    .split("\n")
    .filter((l) => /^\s*error /.test(l))
    .map((l) => l.trim())
    .sort();
  assert.deepEqual(
    lines,
    [
      "error layer-fs: src/fs/ext4/inode.ts → src/scan/session.ts",
      "error layer-fs: src/fs/image.ts → src/inspect/facts.ts",
      "error product-imports-test-support: src/inspect/os.ts → test/support/trees.ts",
    ],
    r.output,
  );
});

test("a file in no layer is reported", () => {
  assert.deepEqual(unlayered(["fs/ext4/inode.ts", "stray/thing.ts"]), [
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
