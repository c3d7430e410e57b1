#!/usr/bin/env node
// Regenerates data/eol.json from endoflife.date product pages (products/*.md, MIT): only facts
// (release cycle, dates, column labels) are kept, each product with where it comes from: the
// endoflife.date page at that commit, the date it was read, the product's own lifecycle page
// (releasePolicyLink) and the pages endoflife.date takes its dates from (its `auto` release tables).
// Usage:
//   node scripts/gen-eol.mjs <products-dir> --as-of YYYY-MM-DD --commit <endoflife.date commit> [--read YYYY-MM-DD] [--out FILE]
// --read is the day the pages were read (default: --as-of); --out writes elsewhere than data/eol.json
// (test/data-sources.test.ts regenerates the shipped file that way). The corpus copy:
//   node scripts/gen-eol.mjs ../shared/corpus/eol --as-of 2026-08-22 --commit a70eca337600e7d721dc48112c271f98661d208b
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const args = process.argv.slice(2);
const dir = args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
const flag = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const asOf = flag("as-of");
const commit = flag("commit") ?? "unknown";
const read = flag("read") ?? asOf;
const isDay = (d) => typeof d === "string" && /^\d{4}-\d{2}-\d{2}$/.test(d);
if (!dir || !isDay(asOf) || !isDay(read)) {
  console.error("usage: gen-eol.mjs <products-dir> --as-of YYYY-MM-DD [--commit SHA] [--read YYYY-MM-DD]");
  process.exit(2);
}

/** A date stays a date string; true/false (no date known) stay booleans; anything else is dropped. */
function when(v) {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
  if (typeof v === "boolean") return v;
  return undefined;
}

const products = {};
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith(".md"))
  .sort()) {
  const text = readFileSync(path.join(dir, file), "utf8");
  const m = /^---\n([\s\S]*?)\n---/.exec(text);
  if (!m) continue;
  const front = parse(m[1]);
  const id = file.replace(/\.md$/, "");
  const releases = [];
  for (const r of front.releases ?? []) {
    if (r.releaseCycle === undefined) continue;
    const entry = { cycle: String(r.releaseCycle) };
    if (r.codename) entry.codename = String(r.codename);
    for (const key of ["releaseDate", "eoas", "eol", "eoes"]) {
      const v = when(r[key]);
      if (v !== undefined) entry[key] = v;
    }
    if (r.lts === true) entry.lts = true;
    if (r.latest !== undefined && r.latest !== null) entry.latest = String(r.latest);
    releases.push(entry);
  }
  products[id] = {
    title: String(front.title ?? id),
    category: String(front.category ?? ""),
    ...(typeof front.eolColumn === "string" ? { eolLabel: plainText(front.eolColumn) } : {}),
    ...(typeof front.eoesColumn === "string" ? { eoesLabel: plainText(front.eoesColumn) } : {}),
    source: `https://github.com/endoflife-date/endoflife.date/blob/${commit}/products/${file}`,
    read,
    ...(typeof front.releasePolicyLink === "string" ? { reference: front.releasePolicyLink } : {}),
    ...(releaseTables(front).length > 0 ? { datesFrom: releaseTables(front) } : {}),
    releases,
  };
}

const out = { asOf, source: "endoflife.date (MIT)", commit, read, products };
const target = flag("out") ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../data/eol.json");
writeFileSync(target, `${JSON.stringify(out, null, 1)}\n`);
console.log(`${target}: ${Object.keys(products).length} products, as of ${asOf}`);

/** endoflife.date column labels carry HTML (`Debian <abbr title="…">LTS</abbr>`); keep the text. */
function plainText(html) {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** The web pages endoflife.date reads a product's dates from (`auto.methods[].release_table`). */
function releaseTables(front) {
  const methods = Array.isArray(front.auto?.methods) ? front.auto.methods : [];
  return methods.map((m) => m?.release_table).filter((u) => typeof u === "string" && /^https?:\/\//.test(u));
}
