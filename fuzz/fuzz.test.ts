import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { targets as canaries } from "./canary.js";
import { mutantSize, mutantSource, mutate, Prng } from "./mutate.js";
import { fuzzTarget, signature } from "./runner.js";
import { buildSeeds } from "./seeds.js";
import { targets } from "./targets.js";
import { runCase } from "./worker.js";

const CASES = Number(process.env.FUZZ_CASES ?? 24);

test("mutants are deterministic, differ from the seed and read back as their pieces say", async () => {
  const seed = new URL("./canary.ts", import.meta.url).pathname;
  const original = await mutantSource(seed, { ops: [], pieces: [{ seed: 0, length: 100 }] }, "seed");
  const head = await original.read(0, 100);
  await original.close();
  let differing = 0;
  for (let i = 0; i < 50; i++) {
    const a = mutate(new Prng(i), 100, [{ offset: 10, length: 20 }]);
    assert.deepEqual(mutate(new Prng(i), 100, [{ offset: 10, length: 20 }]), a);
    const source = await mutantSource(seed, a, "mutant");
    assert.equal(source.size, mutantSize(a));
    const bytes = await source.read(0, source.size);
    await source.close();
    if (!bytes.equals(head)) differing++;
  }
  assert.ok(differing >= 45, `${differing} of 50 mutants differ from the seed`);
});

test("the harness reports a TypeError, a hang and a heap blow-up as failures", async () => {
  const module = new URL("./canary.ts", import.meta.url).href;
  const kinds: Record<string, string> = {
    "canary-typeerror": "TypeError",
    "canary-hang": "hang",
    "canary-oom": "oom",
  };
  for (const target of canaries) {
    // A heap blow-up takes a few GCs before V8 gives up: give it time, so it is not taken for a hang.
    const caseMs = target.name === "canary-hang" ? 300 : 8000;
    const stats = await fuzzTarget(target, { cases: 2, caseMs, heapMb: 32, module });
    assert.equal(stats.run, 2, target.name);
    assert.equal(stats.survived, 0, target.name);
    assert.deepEqual([...stats.failures.keys()], [kinds[target.name]], target.name);
  }
});

// The seeds are built here as `npm run fuzz` builds them: on a fresh machine no other test may have
// built fuzz-seeds.sh's archives, hives and FAT volume, and a reader without seeds would go unfuzzed.
const seedFailures = buildSeeds();

for (const target of targets) {
  // Up to CASES mutants, or as many as fit in 2.5 s but at least 8 (a prefix of the same
  // deterministic sequence either way): a few dozen for fast readers, fewer for whole-image walks.
  test(`${target.name}: up to ${CASES} mutants survive (read, or a typed error)`, async (t) => {
    const missing = await target.missing?.();
    if (missing) return t.skip(missing);
    assert.ok(
      target.seeds().length > 0,
      `no seed images for ${target.name}: ${seedFailures.join("; ") || "none built"}`,
    );
    const stats = await fuzzTarget(target, { cases: CASES, minCases: 8, seed: 20260101, timeMs: 2500 });
    const failures = stats.samples.map((s) => `${signature(s)}: ${s.message} [${s.ops.join("; ")}]`);
    assert.deepEqual(failures, []);
    assert.equal(stats.survived, stats.run);
    assert.ok(stats.run >= Math.min(CASES, 8), `only ${stats.run} mutants ran`);
  });
}

test("a walk that loses entries of its seed without any error is told apart (and one with an error is not)", async () => {
  const vfat = targets.find((t) => t.name === "vfat")!;
  const [seed] = vfat.seeds();
  assert.ok(seed, "the FAT seed is built");
  const whole = statSync(seed.path).size;
  const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-fuzz-lost-"));
  try {
    const clean = await runCase(
      { id: 0, target: "vfat", seed, mutant: { ops: [], pieces: [{ seed: 0, length: whole }] } },
      dir,
    );
    assert.equal(clean.status, "ok");
    assert.ok(!("lost" in clean && clean.lost), JSON.stringify(clean));
    // Zeros over the whole volume past its boot sector and FATs' start: every entry gone, silently
    // (a directory of zeros is empty for Linux too, which is why this is counted, not failed).
    const from = 64 * 1024;
    const zeroed = await runCase(
      {
        id: 1,
        target: "vfat",
        seed,
        mutant: {
          ops: ["zeros"],
          pieces: [{ seed: 0, length: from }, { bytes: new Array<number>(whole - from).fill(0) }],
        },
      },
      dir,
    );
    assert.equal(zeroed.status, "ok", JSON.stringify(zeroed));
    assert.ok("lost" in zeroed && (zeroed.lost ?? 0) > 0, JSON.stringify(zeroed));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
