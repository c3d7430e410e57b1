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

describe("the walk, followed while it runs", () => {
  // More entries than one wake-up (256), in several directories.
  const files: Record<string, string> = {};
  for (let d = 0; d < 6; d++)
    for (let i = 0; i < 100; i++) files[`/srv/d${d}/f${String(i).padStart(3, "0")}`] = "x".repeat(i);

  it("hands out each entry as the walk adds it, exactly as the finished index has it", async () => {
    const store = new FactStore(memoryImage(files), inspectorsByName);
    const walk = await store.get("walk");
    const seen: string[] = [];
    let waits = 0;
    let cursor = 0;
    for (;;) {
      while (cursor < walk.count) seen.push(JSON.stringify(walk.at(cursor++)));
      waits++;
      if (!(await walk.more(cursor))) break;
    }
    const index = await store.get("files");
    assert.equal(seen.length, index.count);
    assert.equal(index.count, 1 + 6 + 600);
    assert.deepEqual(
      seen,
      [...index].map((e) => JSON.stringify(e)),
    );
    // Followed in steps, not handed over once at the end.
    assert.ok(waits > 2, `${waits} waits`);
    assert.equal(await walk.more(index.count), false);
    assert.equal(await walk.more(index.count - 1), true);
  });

  it("gives the event loop turns while it runs: a follower waiting on I/O or a thread is not held to its end", async () => {
    const store = new FactStore(memoryImage(files), inspectorsByName);
    const walk = await store.get("walk");
    await walk.more(0);
    // What a stream's data or a worker's reply waits for: a turn of the event loop.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const seen = walk.count;
    const total = (await store.get("files")).count;
    assert.ok(seen < total, `the follower ran again only after ${seen} of ${total} entries`);
  });

  it("stops at the entry bound for its followers too", async () => {
    const store = new FactStore(memoryImage(files), inspectorsByName, { maxIndexedEntries: 300 });
    const walk = await store.get("walk");
    let cursor = 0;
    while (await walk.more(cursor)) cursor = walk.count;
    assert.equal(cursor, 300);
    assert.equal((await store.get("files")).count, 300);
  });
});
