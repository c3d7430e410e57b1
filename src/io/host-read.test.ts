import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { ImageFormatError } from "./errors.js";
import { readHostRuns } from "./host-read.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-host-read-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, "host.bin");
// Host bytes: 0..255 repeated, so every byte says where it came from.
const host = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256));
writeFileSync(file, host);

function withFd<T>(body: (fd: number) => T): T {
  const fd = openSync(file, "r");
  try {
    return body(fd);
  } finally {
    closeSync(fd);
  }
}

describe("readHostRuns", () => {
  // A 30-byte file: 10 bytes at host 100, a 5-byte hole, 15 bytes at host 1000.
  const runs = [100, 10, -1, 5, 1000, 15];
  const expected = Buffer.concat([host.subarray(100, 110), Buffer.alloc(5), host.subarray(1000, 1015)]);

  it("reads runs and holes in order, from any offset", () =>
    withFd((fd) => {
      for (const [from, length] of [
        [0, 30],
        [3, 10],
        [12, 18],
        [29, 1],
      ] as const) {
        const target = Buffer.alloc(length, 0xff);
        readHostRuns(fd, runs, from, target, "/f");
        assert.deepEqual(target, expected.subarray(from, from + length), `[${from}, +${length})`);
      }
    }));

  it("runs that end before the bytes asked for are a typed error naming the file and offset", () =>
    withFd((fd) => {
      assert.throws(
        () => readHostRuns(fd, runs, 20, Buffer.alloc(20), "/etc/short"),
        (e: unknown) => e instanceof ImageFormatError && e.file === "/etc/short" && e.offset === 30,
      );
    }));

  it("a run past the host file's end is a typed error, not zeros", () =>
    withFd((fd) => {
      assert.throws(
        () => readHostRuns(fd, [4090, 10], 0, Buffer.alloc(10), "/etc/past"),
        (e: unknown) => e instanceof ImageFormatError && /file shrank/.test(e.message),
      );
    }));
});
