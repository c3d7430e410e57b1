#!/usr/bin/env node
// The layer order, written once: a module may import its own layer and the layers before it,
// never one after it. `npm run lint` runs this; README "How it is built" is drawn from LAYERS.
// (dependency-cruiser, the tool for this, needs Node 22 from v17 on and parses TypeScript through
// the `typescript` package's JS API, which TypeScript 7's native compiler no longer ships.)
import { readdirSync, readFileSync, statSync } from "node:fs";
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

/** Outside src/ (test/support/ and the rest): nothing in the product may import it. */
const OUTSIDE = "../";

export function layerOf(rel) {
  if (rel.startsWith(OUTSIDE)) return Number.POSITIVE_INFINITY;
  return LAYERS.findIndex(([, , prefixes]) => prefixes.some((p) => rel === p || rel.startsWith(p)));
}

/** Upward imports among `files` (paths relative to src/, with their text): "a.ts (x) imports b.ts (y)". */
export function violations(files) {
  const out = [];
  for (const { rel, text } of files) {
    if (rel.endsWith(".test.ts") || rel.endsWith("/testing.ts")) continue;
    const from = layerOf(rel);
    if (from < 0) {
      out.push(`${rel} is in no layer (add its folder to LAYERS in scripts/check-layers.mjs)`);
      continue;
    }
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+["'](\.{1,2}\/[^"']+)["']/gm)) {
      const target = path.posix
        .normalize(path.posix.join(path.posix.dirname(rel), m[1]))
        .replace(/\.js$/, ".ts");
      const to = layerOf(target);
      if (to > from)
        out.push(
          `${rel} (${LAYERS[from][0]}) imports ${target} (${to === Number.POSITIVE_INFINITY ? "outside src/" : LAYERS[to][0]})`,
        );
    }
  }
  return out;
}

function sourceFiles(root) {
  const files = [];
  (function walk(dir) {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ts"))
        files.push({ rel: path.relative(root, p).split(path.sep).join("/"), text: readFileSync(p, "utf8") });
    }
  })(root);
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src");
  const found = violations(sourceFiles(src));
  for (const v of found) console.error(`layers: ${v}`);
  if (found.length > 0) {
    console.error(
      `layers: ${found.length} import(s) against the order ${LAYERS.map(([n]) => n).join(" → ")}`,
    );
    process.exit(1);
  }
  console.log(`layers: ${LAYERS.map(([n]) => n).join(" → ")}: no upward import`);
}
