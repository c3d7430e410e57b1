/**
 * The console's catalogue search reads the store a batch at a time and looks at no more than
 * SEARCH_SCAN_LIMIT images per request, however large the catalogue: a needle past the limit is
 * found by following "next", never by loading every visible image into memory.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { testImage } from "../../../test/support/store.js";
import { openStore } from "../catalogue.js";
import type { ImageQuery } from "../store/types.js";
import { type CatalogueFilters, ConsoleData, SEARCH_SCAN_LIMIT } from "./data.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-search-"));
const store = openStore(dir);
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const filters = (over: Partial<CatalogueFilters> = {}): CatalogueFilters => ({
  name: "",
  os: "",
  publisher: "",
  owner: "",
  executableByMe: false,
  public: false,
  ...over,
});

test("a search looks at no more than SEARCH_SCAN_LIMIT images per request and goes on with next", async () => {
  const { account } = await store.createAccount({});
  const total = SEARCH_SCAN_LIMIT + 700;
  const ids: string[] = [];
  for (let i = 0; i < total; i++) {
    const image = testImage(account.accountId, i === total - 10 ? "the-needle" : `hay-${i}`, {
      isPublic: true,
    });
    await store.insertImage(image, []);
    ids.push(image.imageId);
  }
  ids.sort();
  const needle = (
    await store.queryImages({ callerId: account.accountId, ownerIds: [account.accountId] })
  ).find((i) => i.name === "the-needle")!;
  const looked: number[] = [];
  // Counts what the real store hands out (an own property over the class's method).
  const query = store.queryImages.bind(store);
  store.queryImages = async (q: ImageQuery) => {
    const r = await query(q);
    looked.push(r.length);
    return r;
  };
  const data = new ConsoleData(store, "us-east-1");

  // Anonymous visitors search public images: the first request stops at the bound.
  const first = await data.catalogue(undefined, filters({ name: "needle" }));
  const firstLooked = looked.reduce((a, b) => a + b, 0);
  assert.ok(firstLooked <= SEARCH_SCAN_LIMIT, `looked at ${firstLooked}`);
  const needleIndex = ids.indexOf(needle.imageId);
  if (needleIndex >= SEARCH_SCAN_LIMIT) {
    assert.deepEqual(first.images, []);
    assert.equal(first.next, ids[SEARCH_SCAN_LIMIT - 1]);
  }
  // Following next until the end finds the needle exactly once.
  const found: string[] = first.images.map((i) => i.imageId);
  let next = first.next;
  let requests = 1;
  while (next !== undefined) {
    const page = await data.catalogue(undefined, filters({ name: "needle" }), next);
    found.push(...page.images.map((i) => i.imageId));
    next = page.next;
    requests++;
  }
  assert.deepEqual(found, [needle.imageId]);
  assert.equal(requests, 2);

  // Without filters a page is the first pageSize images in id order, and next continues after them.
  const page = await data.catalogue(undefined, filters(), undefined, 50);
  assert.deepEqual(
    page.images.map((i) => i.imageId),
    ids.slice(0, 50),
  );
  const second = await data.catalogue(undefined, filters(), page.next, 50);
  assert.deepEqual(
    second.images.map((i) => i.imageId),
    ids.slice(50, 100),
  );
});
