import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { REPO_ROOT, SHARED } from "../../test/support/trees.js";
import { ATTESTATIONS, CATALOGUE_BEHAVIOURS, METADATA_CHECKS } from "../policy/coverage.js";
import { rules } from "../policy/rules/index.js";
import { type PolicyClause, renderPolicyText } from "./policy.js";

const clausesMd = readFileSync(path.join(process.env.AMIGATE_SHARED ?? SHARED, "policy/CLAUSES.md"), "utf8");
const idsInMd = [...clausesMd.matchAll(/^\| ([A-Z]{3}-\d+) \|/gm)].map((m) => m[1]!);

function policy(...args: string[]): string {
  const r = spawnSync(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), path.join(REPO_ROOT, "src/cli/main.ts"), "policy", ...args],
    {
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const json = JSON.parse(policy("--json")) as PolicyClause[];

test("policy --json lists every clause id of CLAUSES.md, in order, with section and text", () => {
  assert.ok(idsInMd.length > 40);
  assert.deepEqual(
    json.map((c) => c.id),
    idsInMd,
  );
  for (const c of json) {
    assert.ok(c.section.length > 0 && c.text.length > 0, c.id);
    assert.ok(c.how.length > 0, c.id);
  }
});

test("every rule, metadata check, attestation item and catalogue behaviour shows under each of its clauses", () => {
  const listed = (clause: string, kind: string, id: string) =>
    json.find((c) => c.id === clause)!.coveredBy.some((x) => x.kind === kind && x.id === id);
  for (const r of rules) for (const c of r.clauses) assert.ok(listed(c, "rule", r.id), `${r.id} under ${c}`);
  for (const m of METADATA_CHECKS)
    for (const c of m.clauses) assert.ok(listed(c, "metadata", m.id), `${m.id} under ${c}`);
  for (const a of ATTESTATIONS)
    for (const c of a.clauses) assert.ok(listed(c, "attestation", a.id), `${a.id} under ${c}`);
  for (const b of CATALOGUE_BEHAVIOURS)
    for (const c of b.clauses) assert.ok(listed(c, "catalogue", b.clauses.join(",")), c);
  const arc2 = json.find((c) => c.id === "ARC-2")!;
  assert.deepEqual(
    arc2.coveredBy.filter((x) => x.kind === "metadata").map((x) => x.id),
    ["meta-hvm"],
  );
});

test("the text listing names every clause under its section and says when nothing covers one", () => {
  const text = policy();
  for (const id of idsInMd) assert.match(text, new RegExp(`^${id} {2}`, "m"));
  assert.match(text, /^Security \(A\)\n─+\nSEC-1 {2}/);
  assert.match(text, /^ {5}• statement attest-tested-before-release: The image was launched/m);
  assert.ok(text.split("\n").every((l) => [...l].length <= 100));
  const uncovered: PolicyClause = {
    id: "XXX-1",
    section: "S",
    text: "t",
    how: ["image"],
    howDetail: "image",
    coveredBy: [],
  };
  assert.match(renderPolicyText([uncovered]), /XXX-1 {2}t\n {7}judged from: image\n {5}• NOT COVERED YET\n$/);
});
