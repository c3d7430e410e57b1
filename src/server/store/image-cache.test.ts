/**
 * The SQLite store's document cache: a read gives the cached frozen document until a write evicts
 * it, and another connection's commit is seen from the next event-loop turn (within one turn a
 * request sees one state). What every store must do whatever it caches is in the contract suite
 * (test/support/store-contract.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { testImage, withStores } from "../../../test/support/store.js";
import { ImageCache } from "./image-cache.js";

const image = (ownerId: string, n: number) => testImage(ownerId, `img-${n}`);

test("a read is served from the cache until a write here, or a commit elsewhere seen at the next turn", async () => {
  await withStores(async (open) => {
    const a = open();
    const b = open();
    const owner = (await a.createAccount({})).account.accountId;
    const img = image(owner, 1);
    await a.insertImage(img, []);
    const first = await a.image(img.imageId);
    assert.equal(await a.image(img.imageId), first, "cached: the same frozen document");
    assert.ok(Object.isFrozen(first));
    await a.updateImage(img.imageId, { description: "one" });
    const second = await a.image(img.imageId);
    assert.notEqual(second, first, "evicted by this store's write");
    assert.equal(second?.description, "one");

    const nextTurn = () => new Promise((r) => setImmediate(r));
    await nextTurn();
    assert.equal((await a.queryImages({ callerId: owner, ownerIds: [owner] }))[0]?.description, "one");
    await b.updateImage(img.imageId, { description: "two" });
    assert.equal((await a.image(img.imageId))?.description, "one", "same turn: the state at its start");
    await nextTurn();
    assert.equal((await a.image(img.imageId))?.description, "two", "next turn: data_version moved");
  });
});

test("grant lists hold at most as many entries as the cache holds documents", () => {
  const cache = new ImageCache(3, () => 0);
  const docs = [1, 2, 3, 4].map((n) => image("111122223333", n));
  cache.putGrants("a", docs.slice(0, 4));
  assert.equal(cache.grantsTo("a"), undefined, "longer than the cache: not kept");
  cache.putGrants("a", docs.slice(0, 2));
  cache.putGrants("b", []);
  assert.equal(cache.grantsTo("a")?.length, 2);
  assert.equal(cache.grantsTo("b")?.length, 0, "an empty list is kept (it counts one)");
  cache.putGrants("c", docs.slice(0, 1));
  assert.equal(cache.grantsTo("a"), undefined, "over the bound: the lists held are dropped");
  assert.equal(cache.grantsTo("c")?.length, 1);
  cache.putGrants("c", docs.slice(0, 3));
  assert.equal(cache.grantsTo("c")?.length, 3, "a replaced list no longer counts");
});
