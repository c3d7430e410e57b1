import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { limitHeapGrowth } from "./heap-growth.js";

const MODULE = path.resolve(import.meta.dirname, "heap-growth.ts");

/**
 * The largest heap a child process commits while it replaces a ring of 300 k small objects 20
 * times over (each survives long enough to be promoted, then is garbage), with the scan's limit
 * set or not.
 */
function peakHeapMiB(limited: boolean): number {
  const code = `
    import { limitHeapGrowth } from ${JSON.stringify(MODULE)};
    if (${limited}) limitHeapGrowth([], "");
    const ring = new Array(300_000);
    let peak = 0;
    for (let i = 0; i < 3_000_000; i++) {
      ring[i % ring.length] = { i, s: "entry " + i };
      if (i % 50_000 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal);
    }
    console.log(Math.round(peak / 2 ** 20));
  `;
  const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  assert.equal(run.status, 0, run.stderr);
  return Number(run.stdout.trim());
}

describe("the scan's heap growth limit", () => {
  it("keeps the heap near what survives: a churning child commits far less with it", () => {
    const without = peakHeapMiB(false);
    const withLimit = peakHeapMiB(true);
    assert.ok(withLimit < without * 0.8, `${withLimit} MiB with the limit, ${without} MiB without`);
  });

  it("leaves a user's own setting alone", () => {
    assert.equal(limitHeapGrowth(["--heap-growing-percent=200"], ""), false);
    assert.equal(limitHeapGrowth([], "--max-old-space-size=512 --heap_growing_percent=10"), false);
  });
});
