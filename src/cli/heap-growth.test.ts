import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { limitHeapGrowth } from "./heap-growth.js";

const MODULE = path.resolve(import.meta.dirname, "heap-growth.ts");

/**
 * The largest heap a child process commits while it replaces a ring of 300 k small objects 20
 * times over (each survives long enough to be promoted, then is garbage; ~25 MB live), with the
 * scan's limit set from `fromLiveBytes` of live heap on, or not at all (undefined); and whether the
 * limit was set.
 */
function churn(fromLiveBytes: number | undefined): { peakMiB: number; limited: boolean } {
  const code = `
    import { limitHeapGrowth } from ${JSON.stringify(MODULE)};
    let limited = false;
    if (${fromLiveBytes !== undefined}) limitHeapGrowth([], "", ${fromLiveBytes ?? 0}, () => { limited = true; });
    const ring = new Array(300_000);
    let peak = 0;
    for (let i = 0; i < 3_000_000; i++) {
      ring[i % ring.length] = { i, s: "entry " + i };
      if (i % 50_000 === 0) {
        peak = Math.max(peak, process.memoryUsage().heapTotal);
        // The GC observer is told between tasks, as during a scan's reads.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    console.log(JSON.stringify({ peakMiB: Math.round(peak / 2 ** 20), limited }));
  `;
  const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim()) as { peakMiB: number; limited: boolean };
}

describe("the scan's heap growth limit", () => {
  it("keeps the heap near what survives: a churning child commits far less with it", () => {
    const without = churn(undefined);
    const fromStart = churn(0);
    assert.ok(fromStart.limited);
    assert.ok(
      fromStart.peakMiB < without.peakMiB * 0.8,
      `${fromStart.peakMiB} MiB with the limit, ${without.peakMiB} MiB without`,
    );
  });

  it("is set once the live heap is large, and never for a small one", () => {
    const without = churn(undefined);
    const large = churn(8 * 2 ** 20);
    assert.ok(large.limited, "a live heap of ~25 MB over an 8 MiB threshold sets the limit");
    assert.ok(
      large.peakMiB < without.peakMiB * 0.8,
      `${large.peakMiB} MiB with the limit, ${without.peakMiB} MiB without`,
    );
    const small = churn(2 ** 30);
    assert.equal(small.limited, false, "a live heap under the threshold leaves V8's own growth");
  });

  it("leaves a user's own setting alone", () => {
    assert.equal(limitHeapGrowth(["--heap-growing-percent=200"], ""), false);
    assert.equal(limitHeapGrowth([], "--max-old-space-size=512 --heap_growing_percent=10"), false);
  });
});
