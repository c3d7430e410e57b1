#!/usr/bin/env node
// The layer order, written once: a module may import its own layer and the layers before it,
// never one after it. README "How it is built" is drawn from LAYERS; dependency-cruiser enforces
// the order (.dependency-cruiser.mjs generates its rules from LAYERS; `npm run lint` runs both).
// This script checks what dependency-cruiser cannot: that every file of src/ is in some layer.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Lowest first: [name, what it holds, folders or files under src/ (a path prefix)]. */
export const LAYERS = [
  ["io", "byte sources, files, typed errors, escaping", ["io/", "match/", "version.ts"]],
  ["vuln", "version orders, EoL data, the vulnerability database (a library)", ["vuln/"]],
  ["container", "disk image formats, partition tables, LVM: volumes as byte sources", ["container/"]],
  ["fs", "one read-only FileTree per filesystem", ["fs/"]],
  ["target", "target assembly: directory, tar archive, disk (volumes to OS roots)", ["target/"]],
  ["inspect", "facts, each computed once", ["inspect/"]],
  ["policy", "one rule per file, with its clauses", ["policy/"]],
  ["scan", "the one scan session", ["scan/"]],
  ["report", "one writer per format", ["report/"]],
  ["fix", "plan, apply, journal, re-scan", ["fix/"]],
  ["server", "the EC2-compatible catalogue", ["server/"]],
  ["cli", "commands", ["cli/"]],
];

export function layerOf(rel) {
  return LAYERS.findIndex(([, , prefixes]) => prefixes.some((p) => rel === p || rel.startsWith(p)));
}

/** Files of src/ (paths relative to it) that no layer holds: "stray/thing.ts is in no layer (…)". */
export function unlayered(files) {
  return files
    .filter((rel) => layerOf(rel) < 0)
    .map((rel) => `${rel} is in no layer (add its folder to LAYERS in scripts/check-layers.mjs)`);
}

function sourceFiles(root) {
  const files = [];
  (function walk(dir) {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ts")) files.push(path.relative(root, p).split(path.sep).join("/"));
    }
  })(root);
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src");
  const found = unlayered(sourceFiles(src));
  for (const v of found) console.error(`layers: ${v}`);
  if (found.length > 0) process.exit(1);
  console.log(`layers: ${LAYERS.map(([n]) => n).join(" → ")}: every file in a layer`);
}
