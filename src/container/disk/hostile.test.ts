import assert from "node:assert/strict";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { deflateSync } from "node:zlib";
import { hostRunsOf } from "../../io/bytes.js";
import { ImageFormatError, TargetError } from "../../io/errors.js";
import { openDiskImage } from "./container.js";
import { diskFixtures, hashSource } from "./testing.js";
import { crc32c } from "./util.js";

const dir = diskFixtures();
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "amigate-hostile-"));
after(() => fsp.rm(tmp, { recursive: true, force: true }));

/** Writes a mutated copy of a fixture and reads its whole virtual disk; returns the error. */
async function readAll(file: string, mutate: (buf: Buffer) => Buffer, how = "read"): Promise<unknown> {
  const out = path.join(tmp, `${path.basename(file)}-${Math.random().toString(36).slice(2)}`);
  await fsp.writeFile(out, mutate(await fsp.readFile(path.join(dir, file))));
  const started = Date.now();
  try {
    const disk = await openDiskImage(out);
    try {
      // "map": where its bytes lie in the file, for a thread that reads them itself.
      if (how === "map") assert.ok(await hostRunsOf(disk.source, [0, disk.source.size]), "mapped");
      else await hashSource(disk.source);
    } finally {
      await disk.source.close();
    }
    return undefined;
  } catch (e) {
    return e;
  } finally {
    assert.ok(Date.now() - started < 5000, "bounded time");
  }
}

const typed = (e: unknown) => e instanceof ImageFormatError || e instanceof TargetError;

describe("hostile containers end in typed errors", () => {
  for (const file of [
    "gpt.qcow2",
    "gpt-compressed.qcow2",
    "gpt-sparse.vmdk",
    "gpt-stream.vmdk",
    "gpt-dynamic.vhd",
    "gpt.vhdx",
  ]) {
    it(`${file} truncated to half`, async () => {
      const e = await readAll(file, (b) => b.subarray(0, Math.floor(b.length / 2 / 512) * 512));
      assert.ok(typed(e), String(e));
    });
  }
  // Mapped for a content thread, which then reads the file itself: the same checks, before any read.
  for (const file of ["gpt.qcow2", "gpt-sparse.vmdk", "gpt-dynamic.vhd", "gpt.vhdx"]) {
    it(`${file} truncated to half, mapped for a thread`, async () => {
      assert.equal(await readAll(file, (b) => b, "map"), undefined);
      const e = await readAll(file, (b) => b.subarray(0, Math.floor(b.length / 2 / 512) * 512), "map");
      assert.ok(typed(e), String(e));
    });
  }
  it("qcow2 L1 entry pointing at the L1 table itself", async () => {
    const e = await readAll("gpt.qcow2", (b) => {
      const l1 = Number(b.readBigUInt64BE(40));
      b.writeBigUInt64BE(BigInt(l1) | (1n << 63n), l1);
      return b;
    });
    assert.ok(e instanceof ImageFormatError && /qcow2 L1 entry/.test(e.message), String(e));
  });
  it("qcow2 L2 entry pointing at its own L2 table", async () => {
    const e = await readAll("gpt.qcow2", (b) => {
      const l1 = Number(b.readBigUInt64BE(40));
      const l2 = b.readBigUInt64BE(l1) & 0x00fffffffffffe00n;
      b.writeBigUInt64BE(l2 | (1n << 63n), Number(l2));
      return b;
    });
    assert.ok(e instanceof ImageFormatError && /qcow2 L2 entry/.test(e.message), String(e));
  });
  it("qcow2 L2 entries that alias one host cluster (no snapshots) are refused before any read", async () => {
    const e = await readAll("gpt.qcow2", (b) => {
      const l1 = Number(b.readBigUInt64BE(40));
      const l2 = Number(b.readBigUInt64BE(l1) & 0x00fffffffffffe00n);
      // The first two allocated data clusters: the second now names the first's host cluster.
      const slots: number[] = [];
      for (let slot = l2; slots.length < 2 && slot < l2 + 65536; slot += 8)
        if ((b.readBigUInt64BE(slot) & 0x00fffffffffffe00n) !== 0n) slots.push(slot);
      assert.equal(slots.length, 2, "the fixture has two allocated clusters in its first L2 table");
      b.writeBigUInt64BE(b.readBigUInt64BE(slots[0]!), slots[1]!);
      return b;
    });
    assert.ok(
      e instanceof ImageFormatError &&
        /qcow2 L2 entry at offset \d+: each host cluster used once/.test(e.message),
      String(e),
    );
  });
  it("qcow2 L2 entries misaligned or past the end: refused the same way when mapped for a thread", async () => {
    const OFFSET = 0x00fffffffffffe00n;
    // The first allocated data cluster's entry, rewritten by `entry` from its host offset.
    const retarget = (entry: (offset: bigint, size: number) => bigint) => (b: Buffer) => {
      const l2 = Number(b.readBigUInt64BE(Number(b.readBigUInt64BE(40))) & OFFSET);
      for (let slot = l2; slot < l2 + 65536; slot += 8) {
        const offset = b.readBigUInt64BE(slot) & OFFSET;
        if (offset === 0n) continue;
        b.writeBigUInt64BE(entry(offset, b.length) | (1n << 63n), slot);
        return b;
      }
      throw new Error("no allocated cluster in the first L2 table");
    };
    const named = (e: unknown) => String(e).replace(/gpt\.qcow2-\w+/, "gpt.qcow2");
    for (const mutate of [
      retarget((offset) => offset + 512n),
      retarget((_, size) => BigInt(size + 65536 * 4)),
    ]) {
      const read = await readAll("gpt.qcow2", mutate);
      const mapped = await readAll("gpt.qcow2", mutate, "map");
      assert.ok(
        mapped instanceof ImageFormatError &&
          /qcow2 L2 entry .*cluster-aligned data cluster/.test(mapped.message),
        String(mapped),
      );
      assert.equal(named(mapped), named(read));
    }
    assert.equal(await readAll("gpt.qcow2", (b) => b, "map"), undefined);
  });
  it("qcow2 L1 entry past the end of the file", async () => {
    const e = await readAll("gpt.qcow2", (b) => {
      b.writeBigUInt64BE((1n << 40n) | (1n << 63n), Number(b.readBigUInt64BE(40)));
      return b;
    });
    assert.ok(e instanceof ImageFormatError, String(e));
  });
  it("VMDK with an absurd capacity (grain count)", async () => {
    const e = await readAll("gpt-sparse.vmdk", (b) => {
      b.writeBigUInt64LE(1n << 50n, 12);
      return b;
    });
    assert.ok(e instanceof ImageFormatError && /grain directory/.test(e.message), String(e));
  });
  it("a streamOptimized VMDK grain that inflates to more than a grain (a deflate bomb)", async () => {
    const e = await readAll("gpt-stream.vmdk", (b) => {
      const grainBytes = Number(b.readBigUInt64LE(20)) * 512;
      // The first grain's marker (LBA, compressed size, data) is at overHead sectors.
      const at = Number(b.readBigUInt64LE(64)) * 512;
      const bomb = deflateSync(Buffer.alloc(grainBytes * 4));
      assert.ok(b.readUInt32LE(at + 8) >= bomb.length, "the bomb fits where the grain's data was");
      bomb.copy(b, at + 12);
      b.writeUInt32LE(bomb.length, at + 8);
      return b;
    });
    assert.ok(e instanceof ImageFormatError && /VMDK compressed grain/.test(e.message), String(e));
  });
  it("VHD dynamic BAT entry past the end", async () => {
    const e = await readAll("gpt-dynamic.vhd", (b) => {
      const bat = Number(b.readBigUInt64BE(512 + 16));
      b.writeUInt32BE(0x7fffffff, bat);
      return b;
    });
    assert.ok(e instanceof ImageFormatError && /VHD block allocation table entry/.test(e.message), String(e));
  });
  it("VHDX with a non-empty log is refused with a clear error", async () => {
    const e = await readAll("gpt.vhdx", (b) => {
      for (const at of [64 * 1024, 128 * 1024]) {
        b[at + 48] = 1; // log GUID no longer zero: the log must be replayed
        b.writeUInt32LE(0, at + 4);
        b.writeUInt32LE(crc32c(b.subarray(at, at + 4096)), at + 4);
      }
      return b;
    });
    assert.ok(e instanceof TargetError && /VHDX log is not empty/.test(e.message), String(e));
  });
  it("VHDX with both headers damaged", async () => {
    const e = await readAll("gpt.vhdx", (b) => {
      for (const at of [64 * 1024, 128 * 1024]) b.writeUInt8((b[at + 200] ?? 0) ^ 0xff, at + 200);
      return b;
    });
    assert.ok(e instanceof ImageFormatError && /VHDX header/.test(e.message), String(e));
  });
});
