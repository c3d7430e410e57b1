import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { deflateRawSync, deflateSync } from "node:zlib";
import { type ByteSource, type HostRuns, hostRunsOf, pushPackedRun, pushRun } from "./bytes.js";
import { ImageFormatError } from "./errors.js";
import { readHostRuns } from "./host-read.js";
import { packingId, type UnitPacking } from "./packed-unit.js";

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
  it("pushRun joins a run to the last only where they touch; a packed run joins nothing", () => {
    const out: number[] = [];
    pushRun(out, 10, 5);
    pushRun(out, 15, 5);
    pushRun(out, 21, 1);
    pushRun(out, -1, 3);
    pushRun(out, -1, 2);
    pushRun(out, 0, 0);
    assert.deepEqual(out, [10, 10, 21, 1, -1, 5]);
    // -2 - 0 plus 4 is 2: a plain run at host 2 must not be taken as its continuation.
    const packed: number[] = [];
    pushPackedRun(out, packed, 5000, 300, 16, 4);
    pushRun(out, 2, 8);
    pushPackedRun(out, packed, 5000, 300, 20, 6);
    assert.deepEqual(out, [10, 10, 21, 1, -1, 5, -2, 4, 2, 8, -3, 6]);
    assert.deepEqual(packed, [5000, 300, 16, 5000, 300, 20]);
  });
  it("a block-mapped source's compressed units come back as packed runs with their triples", async () => {
    const packing: UnitPacking = { id: packingId(), file: "d.vmdk", format: "vmdk-grain", unitSize: 1024 };
    // Block 2 of 1 KiB is a compressed unit whose marker is at host 7000.
    const runs = async (offset: number, length: number, packed: number[]) => {
      const out: number[] = [];
      for (let pos = offset; pos < offset + length; ) {
        const block = Math.floor(pos / 1024);
        const n = Math.min(1024 - (pos % 1024), offset + length - pos);
        if (block === 2) pushPackedRun(out, packed, 7000, 0, pos % 1024, n);
        else pushRun(out, pos, n);
        pos += n;
      }
      return out;
    };
    const mapped: ByteSource = { ...base, hostMap: { fd: 9, packing, runs } };
    assert.deepEqual(await hostRunsOf(mapped, [1000, 1100, 3000, 100]), {
      fd: 9,
      runs: [1000, 1048, -2, 52, -3, 72, 3072, 28],
      packed: { packing, units: [7000, 0, 0, 7000, 0, 952] },
    });
    // A map that hands out packed runs without saying how to inflate them cannot be read elsewhere.
    const unsaid: ByteSource = { ...base, hostMap: { fd: 9, runs } };
    assert.equal(await hostRunsOf(unsaid, [2048, 10]), undefined);
  });
});

describe("readHostRuns: compressed units (packed runs), inflated by the reading thread", () => {
  const unitSize = 4096;
  const unitA = Buffer.from(Array.from({ length: unitSize }, (_, i) => (i * 7) % 251));
  const unitB = Buffer.from("grain bytes ".repeat(300).slice(0, 3000)); // short: zeros to the end
  const rawA = deflateRawSync(unitA);
  const zlibB = deflateSync(unitB);
  // The host file: 0..255 for plain runs, then unit A as raw deflate at 4096, then unit B as a VMDK
  // grain (12-byte marker: LBA, data length) at 8192, as the two containers store them.
  const marker = Buffer.alloc(12);
  marker.writeUInt32LE(zlibB.length, 8);
  const packedFile = path.join(dir, "packed.bin");
  writeFileSync(
    packedFile,
    Buffer.concat([host, rawA, Buffer.alloc(4096 - rawA.length), marker, zlibB, Buffer.alloc(512)]),
  );
  const packing = (format: UnitPacking["format"], file = "disk.img"): UnitPacking => ({
    id: packingId(),
    file,
    format,
    unitSize,
  });
  const read = (runs: number[], packed: HostRuns["packed"], from: number, length: number) => {
    const fd = openSync(packedFile, "r");
    try {
      const target = Buffer.alloc(length, 0xee);
      readHostRuns(fd, runs, from, target, "/etc/f", packed);
      return target;
    } finally {
      closeSync(fd);
    }
  };

  it("reads a unit's bytes among plain runs and holes, from any offset, both formats", () => {
    const fullB = Buffer.concat([unitB, Buffer.alloc(unitSize - unitB.length)]);
    for (const [format, at, length, bytes] of [
      ["raw-deflate", 4096, rawA.length, unitA],
      ["vmdk-grain", 8192, 0, fullB],
    ] as const) {
      // 10 plain bytes, bytes [100, 2100) of the unit, a 5-byte hole, its bytes [2990, 3010).
      const runs = [100, 10, -2, 2000, -1, 5, -3, 20];
      const packed = { packing: packing(format), units: [at, length, 100, at, length, 2990] };
      const want = Buffer.concat([
        host.subarray(100, 110),
        bytes.subarray(100, 2100),
        Buffer.alloc(5),
        bytes.subarray(2990, 3010),
      ]);
      for (const [from, n] of [
        [0, want.length],
        [5, 100],
        [2009, 20],
        [2030, 5],
      ] as const)
        assert.deepEqual(
          read(runs, packed, from, n),
          want.subarray(from, from + n),
          `${format} [${from}, +${n})`,
        );
    }
  });

  it("data that is not deflate, or inflates past the unit, is a typed error naming the image file and offset", () => {
    const bomb = deflateRawSync(Buffer.alloc(unitSize * 4));
    const cases: Array<[UnitPacking["format"], number, number, RegExp]> = [
      ["raw-deflate", 0, 256, /qcow2 compressed cluster at offset 0: raw deflate data of one cluster/],
      ["vmdk-grain", 4096, 0, /VMDK grain marker at offset 4096/], // no marker there: a length past the file
    ];
    for (const [format, at, length, message] of cases)
      assert.throws(
        () => read([-2, 10], { packing: packing(format, "hostile.img"), units: [at, length, 0] }, 0, 10),
        (e: unknown) => e instanceof ImageFormatError && e.file === "hostile.img" && message.test(e.message),
        `${format} at ${at}`,
      );
    // A bomb: four units' worth of zeros from a few bytes. Stopped at the unit's size, not inflated.
    const bombFile = path.join(dir, "bomb.bin");
    writeFileSync(bombFile, bomb);
    const fd = openSync(bombFile, "r");
    try {
      assert.throws(
        () =>
          readHostRuns(fd, [-2, 10], 0, Buffer.alloc(10), "/f", {
            packing: packing("raw-deflate", "bomb.img"),
            units: [0, bomb.length, 0],
          }),
        (e: unknown) => e instanceof ImageFormatError && e.file === "bomb.img" && e.offset === 0,
      );
    } finally {
      closeSync(fd);
    }
  });

  it("runs naming a triple that is not there, or bytes past the unit's end, are typed errors", () => {
    const packed = { packing: packing("raw-deflate"), units: [4096, rawA.length, 4090] };
    assert.throws(() => read([-3, 4], packed, 0, 4), /packed unit 1 in the runs' table/);
    assert.throws(() => read([-2, 4], undefined, 0, 4), /packed unit 0/);
    assert.throws(() => read([-2, 10], packed, 0, 10), /bytes within one 4096-byte unit/);
    assert.deepEqual(read([-2, 6], packed, 0, 6), unitA.subarray(4090));
  });
});
