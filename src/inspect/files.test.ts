import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryImage } from "../../test/support/trees.js";
import { FactStore } from "./context.js";
import { inspectorsByName } from "./registry.js";

describe("the file index", () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 20; i++) files[`/srv/f${String(i).padStart(2, "0")}`] = "x";

  it("holds every entry of the walk", async () => {
    const store = new FactStore(memoryImage(files), inspectorsByName);
    const index = await store.get("files");
    assert.equal(index.count, 21); // /srv and its 20 files
    assert.deepEqual(store.notes, []);
  });

  it("stops at its bound and says so in the report's notes", async () => {
    const store = new FactStore(memoryImage(files), inspectorsByName, { maxIndexedEntries: 10 });
    const index = await store.get("files");
    assert.equal(index.count, 10);
    assert.deepEqual(store.notes, [
      "the image has more than 10 files and directories: the walk stopped there (at /srv/f09), so files after it were not checked",
    ]);
  });
});
