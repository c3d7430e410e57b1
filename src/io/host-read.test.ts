import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { type ByteSource, hostRunsOf, pushRun } from "./bytes.js";
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

describe("hostRunsOf: a file's runs in a source as runs of the host file", () => {
  const base = {
    description: "disk",
    size: 1 << 20,
    read: async () => Buffer.alloc(0),
    close: async () => {},
  };
  it("shifts runs of a linear source by its offset; zeros stay -1", async () => {
    const linear: ByteSource = { ...base, hostFile: { fd: 7, offset: 4096 } };
    assert.deepEqual(await hostRunsOf(linear, [0, 100, -1, 50, 8192, 10]), {
      fd: 7,
      runs: [4096, 100, -1, 50, 12288, 10],
    });
  });
  it("maps each run of a block-mapped source, joining contiguous and zero runs", async () => {
    const calls: number[][] = [];
    // 1 KiB blocks stored in reverse order; block 3 unallocated, block 5 compressed.
    const runs = async (offset: number, length: number): Promise<number[] | undefined> => {
      calls.push([offset, length]);
      const out: number[] = [];
      for (let pos = offset; pos < offset + length; ) {
        const block = Math.floor(pos / 1024);
        const n = Math.min(1024 - (pos % 1024), offset + length - pos);
        if (block === 5) return undefined;
        pushRun(out, block === 3 ? -1 : (100 - block) * 1024 + (pos % 1024), n);
        pos += n;
      }
      return out;
    };
    const mapped: ByteSource = { ...base, hostMap: { fd: 9, runs } };
    assert.deepEqual(await hostRunsOf(mapped, [0, 1024, -1, 10, 1024, 100]), {
      fd: 9,
      runs: [100 * 1024, 1024, -1, 10, 99 * 1024, 100],
    });
    // Block 3 is zeros, joined to the hole after it; block 4 then follows.
    assert.deepEqual(await hostRunsOf(mapped, [2048, 3072, -1, 5]), {
      fd: 9,
      runs: [98 * 1024, 1024, -1, 1024, 96 * 1024, 1024, -1, 5],
    });
    assert.equal(await hostRunsOf(mapped, [4096, 2048]), undefined);
    assert.deepEqual(calls.at(-1), [4096, 2048]);
    assert.equal(await hostRunsOf(base, [0, 10]), undefined);
  });
  it("pushRun joins a run to the last only where they touch", () => {
    const out: number[] = [];
    pushRun(out, 10, 5);
    pushRun(out, 15, 5);
    pushRun(out, 21, 1);
    pushRun(out, -1, 3);
    pushRun(out, -1, 2);
    pushRun(out, 0, 0);
    assert.deepEqual(out, [10, 10, 21, 1, -1, 5]);
  });
});
