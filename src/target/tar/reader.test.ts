import assert from "node:assert/strict";
import { appendFileSync, closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { ChunkReader, fileSource, growingFileSource } from "./reader.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-reader-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A promise with its resolve, standing in for a writer process's exit. */
function writer(): { done: Promise<void>; finish: () => void } {
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { done, finish };
}

describe("growingFileSource", () => {
  it("waits for bytes the writer has not written yet, and ends where the writer stopped", async () => {
    const file = path.join(dir, "growing");
    appendFileSync(file, "head");
    const fd = openSync(file, "r");
    try {
      const w = writer();
      const reader = new ChunkReader(growingFileSource(fd, w.done));
      // Asked for more than is written: resolves only after the writer appends the rest.
      const pending = reader.read(10);
      setTimeout(() => {
        appendFileSync(file, "-and-tail");
        w.finish();
      }, 20);
      assert.equal((await pending).toString(), "head-and-t");
      assert.equal(await reader.skip(1), 1);
      // Past the end once the writer has finished: a short read, not a wait.
      assert.equal(await reader.skip(100), 2);
      assert.equal((await reader.read(5)).length, 0);
    } finally {
      closeSync(fd);
    }
  });

  it("skips past what is written by waiting, not by reading", async () => {
    const file = path.join(dir, "skipped");
    appendFileSync(file, Buffer.alloc(100, 1));
    const fd = openSync(file, "r");
    try {
      const w = writer();
      const reader = new ChunkReader(growingFileSource(fd, w.done));
      const skipped = reader.skip(150);
      setTimeout(() => {
        appendFileSync(file, Buffer.concat([Buffer.alloc(50, 2), Buffer.from("next")]));
        w.finish();
      }, 20);
      assert.equal(await skipped, 150);
      assert.equal((await reader.read(4)).toString(), "next");
    } finally {
      closeSync(fd);
    }
  });

  it("ends when the writer fails", async () => {
    const file = path.join(dir, "failed");
    appendFileSync(file, "partial");
    const fd = openSync(file, "r");
    try {
      const reader = new ChunkReader(growingFileSource(fd, Promise.reject(new Error("killed"))));
      assert.equal((await reader.read(100)).toString(), "partial");
    } finally {
      closeSync(fd);
    }
  });
});

describe("ChunkReader over a file", () => {
  it("gives each read its own bytes, though the source reads every chunk into one buffer", async () => {
    const file = path.join(dir, "blocks");
    // 200 blocks of 512 bytes, block i filled with i: several 32 KiB chunks.
    appendFileSync(file, Buffer.concat(Array.from({ length: 200 }, (_, i) => Buffer.alloc(512, i))));
    const handle = await open(file, "r");
    try {
      const reader = new ChunkReader(fileSource(handle, (await handle.stat()).size));
      const kept: Buffer[] = [];
      for (let i = 0; i < 200; i++) kept.push(await reader.read(512));
      // A block kept while later chunks were read still holds what it was read as.
      for (const [i, block] of kept.entries()) assert.ok(block.equals(Buffer.alloc(512, i)), `block ${i}`);
    } finally {
      await handle.close();
    }
  });
});
