import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { ext4ImagesPath } from "../../../test/support/ext4-images.js";
import type { ByteSource } from "../../io/bytes.js";
import { openFileByteSource } from "../../io/file.js";
import { Image } from "../image.js";
import { openExt4 } from "./index.js";
import { cachedLoad, Lru } from "./volume.js";

/** A ByteSource that counts how often each offset is read. */
function counting(source: ByteSource): ByteSource & { reads: Map<number, number> } {
  const reads = new Map<number, number>();
  return {
    description: source.description,
    size: source.size,
    reads,
    read(offset, length) {
      reads.set(offset, (reads.get(offset) ?? 0) + 1);
      return source.read(offset, length);
    },
    close: () => source.close(),
  };
}

describe("ext metadata cache", () => {
  it("reads each metadata block once when many lookups ask for it at the same time", async () => {
    const file = await openFileByteSource(path.join(ext4ImagesPath(), "debian-ext4.img"));
    const source = counting(file);
    try {
      const image = new Image(await openExt4(source));
      // The walk lstats each directory's entries 16 at a time: all of /usr/bin's inodes at once.
      let entries = 0;
      for await (const _ of image.walk("/usr/bin")) entries++;
      assert.ok(entries > 100, `${entries} entries in /usr/bin`);
      const repeated = [...source.reads].filter(([, n]) => n > 1);
      assert.deepEqual(repeated, []);
    } finally {
      await source.close();
    }
  });

  it("forgets a failed load, so the next caller loads again", async () => {
    const cache = new Lru<number, Promise<string>>(4);
    let loads = 0;
    const failing = () => {
      loads++;
      return Promise.reject(new Error(`load ${loads}`));
    };
    await assert.rejects(async () => cachedLoad(cache, 1, failing), /load 1/);
    await assert.rejects(async () => cachedLoad(cache, 1, failing), /load 2/);
    assert.equal(await cachedLoad(cache, 1, async () => "read"), "read");
    assert.equal(await cachedLoad(cache, 1, failing), "read");
    assert.equal(loads, 2);
  });
});
