#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (TypeScript through tsx).
// Extra arguments filter test files by substring: `npm test -- ssh tar`.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const roots = ["src", "test", "fuzz"];
const filters = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith("-"));
const files = [];
function collect(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names.sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) collect(p);
    else if (name.endsWith(".test.ts") && (filters.length === 0 || filters.some((f) => p.includes(f))))
      files.push(p);
  }
}
roots.forEach(collect);
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
// The optional libdeflate addon, built by npm install when libdeflate's headers were there: built
// now if they came later (src/io/packed-unit.test.ts expects it wherever the headers are).
spawnSync(process.execPath, [path.join(import.meta.dirname, "build-native.mjs")], { stdio: "inherit" });
const reporter = process.stdout.isTTY ? "spec" : "spec";
// The run's temporary files go in one folder, removed after it: a test that leaves its data folder
// behind (or a child killed mid-write) cannot fill the machine's /tmp run after run.
// Its mode is /tmp's: a test's server may run as another user (PostgreSQL as postgres).
const tmp = mkdtempSync(path.join(os.tmpdir(), "amigate-tests-"));
chmodSync(tmp, 0o1777);
let result;
try {
  result = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", `--test-reporter=${reporter}`, ...passthrough, ...files],
    { stdio: "inherit", env: { ...process.env, TMPDIR: tmp } },
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(result?.status ?? 1);
