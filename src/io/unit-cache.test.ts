import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UnitCache } from "./unit-cache.js";

const unit = (byte: number) => Buffer.alloc(8, byte);

describe("UnitCache", () => {
  it("keeps copies, drops the least recently used first, and reuses its buffer", () => {
    const cache = UnitCache.ofBytes<number>(8, 24, 2); // three units
    const one = unit(1);
    const kept = cache.keep(1, one);
    assert.notEqual(kept, one, "a copy, so that the caller's buffer can die young");
    one.fill(9);
    assert.deepEqual(cache.get(1), unit(1));
    const second = cache.keep(2, unit(2));
    cache.keep(3, unit(3));
    assert.deepEqual(cache.get(1), unit(1)); // 1 is now the most recent: 2 is the oldest
    const fourth = cache.keep(4, unit(4));
    assert.equal(fourth, second, "the evicted unit's buffer holds the new one");
    assert.equal(cache.get(2), undefined);
    assert.deepEqual(
      [1, 3, 4].map((k) => cache.get(k)?.[0]),
      [1, 3, 4],
    );
    // Keeping a key again refills its own buffer, evicting nothing.
    const again = cache.keep(3, unit(7));
    assert.deepEqual(again, unit(7));
    assert.deepEqual(
      [1, 3, 4].map((k) => cache.get(k)?.[0]),
      [1, 7, 4],
    );
  });
  it("holds at least the least number of units, whatever the bytes", () => {
    const cache = UnitCache.ofBytes<string>(1024, 100, 4);
    for (const key of ["a", "b", "c", "d"]) cache.keep(key, Buffer.alloc(1024));
    assert.ok(["a", "b", "c", "d"].every((key) => cache.get(key)));
    cache.keep("e", Buffer.alloc(1024));
    assert.equal(cache.get("a"), undefined);
  });
  it("holds no more than the ceiling's bytes, and one unit at the least", () => {
    const fill = (cache: UnitCache<number>, n: number) => {
      for (let key = 0; key < n; key++) cache.keep(key, Buffer.alloc(cache.unitSize));
      return Array.from({ length: n }, (_, key) => cache.get(key) !== undefined).filter(Boolean).length;
    };
    assert.equal(fill(UnitCache.ofBytes<number>(1024, 0, 16, 4096), 10), 4);
    assert.equal(fill(UnitCache.ofBytes<number>(8192, 0, 16, 4096), 3), 1);
    assert.equal(fill(UnitCache.ofBytes<number>(1024, 8192, 2, 65536), 12), 8);
  });
  it("fills units into its own buffers: the evicted one's when full, none kept when the fill throws", async () => {
    const cache = UnitCache.ofBytes<number>(8, 16, 2); // two units
    const filled: Buffer[] = [];
    const fill = (byte: number) => (into: Buffer) => {
      filled.push(into);
      into.fill(byte);
    };
    const one = cache.fill(1, fill(1));
    assert.deepEqual(one, unit(1));
    assert.equal(cache.fill(1, fill(9)), one, "a kept unit is not filled again");
    cache.fill(2, fill(2));
    const target = Buffer.alloc(3);
    await cache.copyInto(3, 2, target, async (into) => fill(3)(into)); // evicts 1, in 1's buffer
    assert.deepEqual(target, Buffer.alloc(3, 3));
    assert.equal(filled[2], one);
    assert.equal(cache.get(1), undefined);
    await assert.rejects(
      cache.copyInto(4, 0, target, async () => {
        throw new Error("bad grain");
      }),
      /bad grain/,
    );
    assert.equal(cache.get(4), undefined);
    assert.deepEqual(cache.get(3), unit(3));
  });
  it("stays within its capacity when fills await side by side", async () => {
    const cache = UnitCache.ofBytes<number>(8, 16, 2);
    const target = Buffer.alloc(8);
    await Promise.all(
      [1, 2, 3, 4].map((key) =>
        cache.copyInto(key, 0, Buffer.alloc(8), async (into) => {
          await new Promise((r) => setTimeout(r, 5 - key));
          into.fill(key);
        }),
      ),
    );
    const kept = [1, 2, 3, 4].filter((key) => cache.get(key) !== undefined);
    assert.equal(kept.length, 2);
    for (const key of kept) {
      await cache.copyInto(key, 0, target, async () => assert.fail("kept"));
      assert.deepEqual(target, unit(key));
    }
  });
});
