import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import type { DataSource, EolDataset, PackagedRuntimeSupport } from "../src/vuln/eol/index.js";
import { REPO_ROOT, SHARED } from "./support/trees.js";

/** Every rule in data/ says where it comes from: a page, the day it was read, what it states. */
const DATA = path.join(REPO_ROOT, "data");
const read = <T>(name: string): T => JSON.parse(readFileSync(path.join(DATA, name), "utf8")) as T;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const URL_RE = /^https:\/\/\S+$/;

function assertSources(where: string, sources: readonly DataSource[] | undefined): void {
  assert.ok(Array.isArray(sources) && sources.length > 0, `${where}: no sources`);
  for (const s of sources) {
    assert.match(s.url, URL_RE, `${where}: source url`);
    assert.match(s.read, DAY, `${where}: ${s.url} has no day it was read`);
    assert.ok(s.read <= new Date().toISOString().slice(0, 10), `${where}: ${s.url} read in the future`);
    assert.ok(s.states.trim().length > 20, `${where}: ${s.url} does not say what it states`);
  }
}

interface FreeExtendedFile {
  about: string;
  products: Record<
    string,
    { label: string; reference: string; why: string; ends: Record<string, string>; sources: DataSource[] }
  >;
}

describe("data/ sources", () => {
  const checked: Record<string, () => void> = {
    "eol.json": () => {
      const data = read<EolDataset>("eol.json");
      assert.match(data.read, DAY);
      assert.match(data.commit, /^[0-9a-f]{40}$/);
      for (const [id, p] of Object.entries(data.products)) {
        assert.equal(
          p.source,
          `https://github.com/endoflife-date/endoflife.date/blob/${data.commit}/products/${id}.md`,
          id,
        );
        assert.match(p.read, DAY, id);
        assert.match(p.reference ?? "", URL_RE, `${id}: the product's own lifecycle page`);
        for (const u of p.datesFrom ?? []) assert.match(u, URL_RE, id);
      }
    },
    "free-extended-support.json": () => {
      const data = read<FreeExtendedFile>("free-extended-support.json");
      const eol = read<EolDataset>("eol.json");
      for (const [id, p] of Object.entries(data.products)) {
        assert.match(p.reference, URL_RE, id);
        assertSources(id, p.sources);
        // The generated dataset must agree with what the distribution's pages state.
        for (const [cycle, end] of Object.entries(p.ends)) {
          const release = eol.products[id]?.releases.find((r) => r.cycle === cycle);
          assert.equal(release?.eoes, end, `${id} ${cycle}: data/eol.json's extended-support end`);
        }
        assert.ok(Object.keys(p.ends).length > 0, `${id}: no release ends stated`);
      }
    },
    "packaged-runtime-support.json": () => {
      const data = read<{ distributions: Record<string, PackagedRuntimeSupport> }>(
        "packaged-runtime-support.json",
      );
      for (const [id, d] of Object.entries(data.distributions)) {
        assert.ok(d.covered === "all" || d.covered.length > 0, id);
        assert.ok(d.why.length > 20, id);
        assertSources(id, d.sources);
      }
    },
  };

  it("every data file has a source check", () => {
    const files = readdirSync(DATA).filter((f) => f.endsWith(".json"));
    assert.deepEqual(files.sort(), Object.keys(checked).sort());
  });
  for (const [file, check] of Object.entries(checked)) it(`${file}: every entry has its source`, check);

  it("scripts/gen-eol.mjs regenerates data/eol.json from the corpus copy of endoflife.date", () => {
    const data = read<EolDataset>("eol.json");
    const dir = mkdtempSync(path.join(os.tmpdir(), "gen-eol-"));
    try {
      const out = path.join(dir, "eol.json");
      execFileSync(
        process.execPath,
        [
          path.join(REPO_ROOT, "scripts/gen-eol.mjs"),
          path.join(SHARED, "corpus/eol"),
          "--as-of",
          data.asOf,
          "--commit",
          data.commit,
          "--read",
          data.read,
          "--out",
          out,
        ],
        { stdio: ["ignore", "ignore", "inherit"] },
      );
      assert.equal(readFileSync(out, "utf8"), readFileSync(path.join(DATA, "eol.json"), "utf8"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
