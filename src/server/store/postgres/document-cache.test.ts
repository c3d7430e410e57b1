import assert from "node:assert/strict";
import { test } from "node:test";
import { DocumentCache } from "./document-cache.js";

const doc = (name: string) => JSON.stringify({ imageId: "ami-12345678", ownerId: "111122223333", name });
const row = (text: string, isPublic = false) => ({
  image_id: "ami-12345678",
  doc_text: text,
  is_public: isPublic,
});

test("the same text gives the same frozen object; a change in the text or in is_public a new one", () => {
  const cache = new DocumentCache(10);
  const first = cache.imageOf(row(doc("a")));
  assert.equal(cache.imageOf(row(doc("a"))), first);
  assert.ok(Object.isFrozen(first));
  assert.equal(first.isPublic, false);
  const renamed = cache.imageOf(row(doc("b")));
  assert.notEqual(renamed, first);
  assert.equal(renamed.name, "b");
  const shared = cache.imageOf(row(doc("b"), true));
  assert.equal(shared.isPublic, true);
  assert.notEqual(shared, renamed);
});

test("bounded: past its size the oldest document is parsed again", () => {
  const cache = new DocumentCache(1);
  const a = cache.imageOf(row(doc("a")));
  cache.imageOf({ ...row(doc("x")), image_id: "ami-87654321" });
  assert.notEqual(cache.imageOf(row(doc("a"))), a);
});
