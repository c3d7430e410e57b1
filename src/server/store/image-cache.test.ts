/**
 * The document cache never serves a stale image: this process's writes evict what they change,
 * and another connection's commit (another process on the same data dir) drops the cache.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { testImage, withStores } from "../../../test/support/store.js";
import { ImageCache } from "./image-cache.js";

const image = (ownerId: string, n: number) => testImage(ownerId, `img-${n}`);

test("writes from this store and from another connection are seen by the next read", async () => {
  await withStores(async (open) => {
    const a = open();
    const b = open();
    const owner = (await a.createAccount({})).account.accountId;
    const other = (await a.createAccount({})).account.accountId;
    const img = image(owner, 1);
    await a.insertImage(img, []);
    const first = await a.image(img.imageId);
    assert.equal(first?.description, undefined);
    assert.equal(await a.image(img.imageId), first, "cached: the same frozen document");

    // This store's writes: description, public flag, a grant seen by exec-self, deletion.
    await a.updateImage(img.imageId, { description: "one" });
    assert.equal((await a.image(img.imageId))?.description, "one");
    await a.modifyLaunchPermissions(img.imageId, [{ group: "all" }, { userId: other }], []);
    assert.equal((await a.image(img.imageId))?.isPublic, true);
    assert.deepEqual(await a.launchPermissions(img.imageId), [{ group: "all" }, { userId: other }]);
    await a.modifyLaunchPermissions(img.imageId, [], [{ userId: other }]);
    assert.deepEqual(await a.launchPermissions(img.imageId), [{ group: "all" }]);
    await a.modifyLaunchPermissions(img.imageId, [{ userId: other }], []);
    const shared = await a.queryImages({
      callerId: other,
      executableBy: { all: false, self: true, accountIds: [] },
    });
    assert.deepEqual(
      shared.map((i) => [i.imageId, i.isPublic]),
      [[img.imageId, true]],
    );
    await a.resetLaunchPermissions(img.imageId);
    assert.equal((await a.image(img.imageId))?.isPublic, false);
    assert.deepEqual(await a.launchPermissions(img.imageId), []);
    assert.deepEqual(
      await a.queryImages({ callerId: other, executableBy: { all: false, self: true, accountIds: [] } }),
      [],
    );

    // Another connection's commits: a's cached documents are dropped at its next read in a later
    // event-loop turn (a request arriving after the commit); within one turn a sees one state.
    const nextTurn = () => new Promise((r) => setImmediate(r));
    assert.equal((await a.queryImages({ callerId: owner, ownerIds: [owner] }))[0]?.description, "one");
    await b.updateImage(img.imageId, { description: "two" });
    assert.equal((await a.image(img.imageId))?.description, "one", "same turn: the state at its start");
    await nextTurn();
    assert.equal((await a.queryImages({ callerId: owner, ownerIds: [owner] }))[0]?.description, "two");
    await b.modifyLaunchPermissions(img.imageId, [{ group: "all" }], []);
    await nextTurn();
    assert.equal((await a.image(img.imageId))?.isPublic, true);
    assert.deepEqual(await a.launchPermissions(img.imageId), [{ group: "all" }]);
    await b.modifyLaunchPermissions(img.imageId, [{ userId: other }], []);
    await nextTurn();
    assert.deepEqual(await a.launchPermissions(img.imageId), [{ group: "all" }, { userId: other }]);
    await b.deleteImage(img.imageId);
    await nextTurn();
    assert.equal(await a.image(img.imageId), undefined);
    assert.deepEqual(await a.queryImages({ callerId: owner, ownerIds: [owner] }), []);
  });
});

test("exec-self leaves out the caller's own images even if a grant names the owner", async () => {
  await withStores(async (open) => {
    const s = open();
    const owner = (await s.createAccount({})).account.accountId;
    const other = (await s.createAccount({})).account.accountId;
    const mine = image(owner, 1);
    const theirs = image(other, 2);
    await s.insertImage(mine, []);
    await s.insertImage(theirs, []);
    // The API never stores the owner in its own list (PRM-6); the store still must not show it.
    await s.modifyLaunchPermissions(mine.imageId, [{ userId: owner }], []);
    await s.modifyLaunchPermissions(theirs.imageId, [{ userId: owner }], []);
    const q = { callerId: owner, executableBy: { all: false, self: true, accountIds: [] } };
    assert.deepEqual(
      (await s.queryImages(q)).map((i) => i.imageId),
      [theirs.imageId],
    );
    assert.deepEqual(await s.queryImages({ ...q, afterImageId: theirs.imageId }), []);
    assert.equal((await s.queryImages({ ...q, limit: 1 })).length, 1);
  });
});

test("an account's grant list (exec-self) follows every change to launch permissions, here and elsewhere", async () => {
  await withStores(async (open) => {
    const a = open();
    const b = open();
    const owner = (await a.createAccount({})).account.accountId;
    const me = (await a.createAccount({})).account.accountId;
    const imgs = [1, 2, 3, 4].map((n) => image(owner, n));
    for (const i of imgs) await a.insertImage(i, []);
    const sorted = imgs.map((i) => i.imageId).sort();
    const q = { callerId: me, executableBy: { all: false, self: true, accountIds: [] } };
    const shared = async (extra: { afterImageId?: string } = {}) =>
      (await a.queryImages({ ...q, ...extra })).map((i) => i.imageId);
    const nextTurn = () => new Promise((r) => setImmediate(r));

    assert.deepEqual(await shared(), []);
    for (const id of sorted) await a.modifyLaunchPermissions(id, [{ userId: me }], []);
    assert.deepEqual(await shared(), sorted, "grants made here");
    assert.deepEqual(await shared({ afterImageId: sorted[1]! }), sorted.slice(2), "paged from the list");
    assert.deepEqual(await shared({ afterImageId: "ami-0" }), sorted);
    await a.modifyLaunchPermissions(sorted[0]!, [], [{ userId: me }]);
    assert.deepEqual(await shared(), sorted.slice(1), "a removal here");
    await a.resetLaunchPermissions(sorted[1]!);
    assert.deepEqual(await shared(), sorted.slice(2), "a reset here");
    await a.deleteImage(sorted[2]!);
    assert.deepEqual(await shared(), sorted.slice(3), "a deregistration here");
    await a.updateImage(sorted[3]!, { description: "changed" });
    assert.equal((await a.queryImages(q))[0]?.description, "changed", "a changed document here");

    // Another connection (another process on the data dir): seen from the next turn on.
    await b.modifyLaunchPermissions(sorted[0]!, [{ userId: me }], []);
    await nextTurn();
    assert.deepEqual(await shared(), [sorted[0]!, sorted[3]!], "a grant elsewhere");
    await b.updateImage(sorted[0]!, { description: "elsewhere" });
    await nextTurn();
    assert.equal((await a.queryImages(q))[0]?.description, "elsewhere", "a changed document elsewhere");
    await b.resetLaunchPermissions(sorted[3]!);
    await nextTurn();
    assert.deepEqual(await shared(), [sorted[0]!], "a reset elsewhere");
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
