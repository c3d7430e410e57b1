#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (TypeScript through tsx).
// Extra arguments filter test files by substring: `npm test -- ssh tar`.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
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
const reporter = process.stdout.isTTY ? "spec" : "spec";
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", `--test-reporter=${reporter}`, ...passthrough, ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
