/**
 * Compressed units inflate to the same bytes with the libdeflate addon as with node's zlib: every
 * grain of a real streamOptimized VMDK (qemu-img convert), raw deflate clusters, and the hostile
 * and odd ones (cut short, inflating past the unit, not deflate at all, raw deflate in a grain).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { deflateRawSync, deflateSync } from "node:zlib";
import { NATIVE_INFLATE_PATH, type NativeInflate, nativeInflate } from "./native-inflate.js";
import { inflateUnitWith } from "./packed-unit.js";
import { shippedFile } from "./shipped-files.js";

const GRAIN = 65536;
let dir: string;
let grains: Buffer[];

/** The compressed data of every grain in a streamOptimized VMDK, read off its grain markers. */
function grainsOf(vmdk: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = Number(vmdk.readBigUInt64LE(64)) * 512; // overHead: where the markers start
  while (at + 16 <= vmdk.length) {
    const sectors = Number(vmdk.readBigUInt64LE(at));
    const size = vmdk.readUInt32LE(at + 8);
    if (size > 0) {
      out.push(vmdk.subarray(at + 12, at + 12 + size));
      at = Math.ceil((at + 12 + size) / 512) * 512;
    } else if (vmdk.readUInt32LE(at + 12) === 0)
      break; // end of stream
    else at += 512 + sectors * 512; // a grain table or directory, its sectors after the marker
  }
  return out;
}

/** Counts the addon's calls: a path that never reached it would pass unnoticed otherwise. */
function counted(native: NativeInflate): NativeInflate & { calls: number } {
  const c = {
    calls: 0,
    inflateInto: (d: Uint8Array, i: Uint8Array, z: boolean) => {
      c.calls++;
      return native.inflateInto(d, i, z);
    },
  };
  return c;
}

const both = (native: NativeInflate, data: Buffer, format: "vmdk-grain" | "raw-deflate", size = GRAIN) => {
  const a = Buffer.alloc(size, 0xaa);
  const b = Buffer.alloc(size, 0x55);
  const okNative = inflateUnitWith(native, data, format, a);
  const okZlib = inflateUnitWith(undefined, data, format, b);
  return { okNative, okZlib, a, b };
};

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "amigate-inflate-"));
  // Text, random bytes (incompressible: stored blocks), zeros and a repeated pattern.
  const parts = [
    Buffer.from("root:x:0:0:root:/root:/bin/bash\n".repeat(40000)),
    Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 2654435761) >>> 24)),
    Buffer.alloc(3 << 20),
    Buffer.from("amigate".repeat(300000)),
  ];
  writeFileSync(path.join(dir, "disk.raw"), Buffer.concat(parts));
  execFileSync("qemu-img", [
    "convert",
    "-O",
    "vmdk",
    "-o",
    "subformat=streamOptimized",
    path.join(dir, "disk.raw"),
    path.join(dir, "disk.vmdk"),
  ]);
  grains = grainsOf(readFileSync(path.join(dir, "disk.vmdk")));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("inflating units with the libdeflate addon", () => {
  it("is built and loaded wherever libdeflate's headers are (npm install, npm test build it)", (t) => {
    if (!existsSync("/usr/include/libdeflate.h")) return t.skip("no libdeflate-dev here: zlib only");
    assert.ok(nativeInflate(), "native/inflate/build/Release/amigate_inflate.node did not load");
  });

  describe("gives zlib's bytes", { skip: nativeInflate() ? false : "the addon is not built" }, () => {
    const native = () => counted(nativeInflate()!);

    it("for every grain of a real streamOptimized VMDK, each through the addon", () => {
      const raw = readFileSync(path.join(dir, "disk.raw"));
      assert.ok(grains.length >= 60, `${grains.length} grains`);
      const n = native();
      const whole: Buffer[] = [];
      for (const g of grains) {
        const { okNative, okZlib, a, b } = both(n, g, "vmdk-grain");
        assert.ok(okNative && okZlib);
        assert.ok(a.equals(b));
        whole.push(a);
      }
      assert.equal(n.calls, grains.length);
      // qemu-img leaves all-zero grains out; what is there is the disk's bytes in order.
      const nonZero = Buffer.concat(whole);
      assert.ok(nonZero.subarray(0, 1 << 20).equals(raw.subarray(0, 1 << 20)));
    });

    it("for raw deflate clusters, a short one zero-filled to the unit's end", () => {
      for (const text of [Buffer.from("cluster ".repeat(8192)), Buffer.from("short"), Buffer.alloc(0)]) {
        const { okNative, okZlib, a, b } = both(native(), deflateRawSync(text), "raw-deflate");
        assert.ok(okNative && okZlib);
        assert.ok(a.equals(b));
        assert.ok(a.subarray(0, text.length).equals(text));
        assert.ok(a.subarray(text.length).every((x) => x === 0));
      }
    });

    it("refuses, both ways, a unit that inflates past its size and data that is not deflate", () => {
      const bomb = deflateSync(Buffer.alloc(GRAIN + 1, 7));
      const notDeflate = Buffer.from("this is not a deflate stream at all, just text".repeat(4));
      for (const [data, format] of [
        [bomb, "vmdk-grain"],
        [deflateRawSync(Buffer.alloc(GRAIN * 2)), "raw-deflate"],
        [notDeflate, "vmdk-grain"],
        [Buffer.from([0xff, 0xff, 0xff]), "raw-deflate"],
      ] as const) {
        const r = both(native(), data, format);
        assert.deepEqual([r.okNative, r.okZlib], [false, false], `${format} ${data.length}`);
      }
    });

    it("takes what zlib takes that the addon refuses: a grain cut short, raw deflate behind a grain marker", () => {
      const text = Buffer.from("/etc/shadow ".repeat(5000));
      const cut = deflateSync(text).subarray(0, 900);
      for (const data of [cut, deflateRawSync(text)]) {
        const n = native();
        const { okNative, okZlib, a, b } = both(n, data, "vmdk-grain");
        assert.ok(okNative && okZlib);
        assert.ok(a.equals(b));
        assert.equal(n.calls, 1, "the addon was asked first");
      }
      const { a } = both(native(), cut, "vmdk-grain");
      assert.ok(a.subarray(0, 100).equals(text.subarray(0, 100)), "the cut grain's front is its bytes");
    });

    it("works in worker threads (the content threads), each freeing its decompressor when it ends", async () => {
      // Each Node environment keeps its own decompressor and frees it at teardown: a server scans
      // with new threads again and again (kept per thread for the process, ~13 KB leaked a thread).
      const addonPath = shippedFile(NATIVE_INFLATE_PATH);
      const code = `
        const { parentPort } = require("node:worker_threads");
        const addon = require(${JSON.stringify(addonPath)});
        const data = require("node:zlib").deflateSync(Buffer.alloc(${GRAIN}, 3));
        const into = Buffer.alloc(${GRAIN});
        let ok = 0;
        for (let i = 0; i < 20; i++) if (addon.inflateInto(data, into, true) === ${GRAIN} && into[9] === 3) ok++;
        parentPort.postMessage(ok);`;
      for (let round = 0; round < 40; round++) {
        const worker = new Worker(code, { eval: true });
        assert.equal(await new Promise((resolve) => worker.once("message", resolve)), 20);
        await worker.terminate();
      }
      const { okNative, a } = both(native(), deflateSync(Buffer.alloc(GRAIN, 5)), "vmdk-grain");
      assert.ok(okNative && a.every((x) => x === 5), "the main thread's decompressor is still its own");
    });

    it("throws a TypeError, never crashes, on arguments that are not byte arrays", () => {
      const addon = nativeInflate()!;
      const bad: Array<[unknown, unknown, unknown]> = [
        ["text", Buffer.alloc(8), true],
        [Buffer.alloc(8), new Float64Array(2), true],
        [Buffer.alloc(8), Buffer.alloc(8), "yes"],
      ];
      for (const [d, i, z] of bad)
        assert.throws(() => (addon.inflateInto as (...a: unknown[]) => number)(d, i, z), TypeError);
      assert.throws(() => (addon.inflateInto as (...a: unknown[]) => number)(Buffer.alloc(1)), TypeError);
    });
  });
});
