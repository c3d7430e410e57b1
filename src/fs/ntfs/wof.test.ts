import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { buildWofVolume, WOF_FILES } from "../../../test/support/wof-volume.js";
import { ImageFormatError, isFsError } from "../../io/errors.js";
import { openFileByteSource } from "../../io/file.js";
import { Image } from "../image.js";
import { openNtfs } from "./index.js";
import { decompressLzx } from "./lzx.js";
import type { AttributeStream } from "./stream.js";
import { WofStream, wofChunking } from "./wof.js";
import { decompressXpressHuffman } from "./xpress-huffman.js";

/** A WOF reparse buffer: tag, length, reserved; version 1, provider FILE, version 1, `algorithm`. */
const wofReparse = (algorithm: number) => {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(0x80000017, 0);
  b.writeUInt16LE(16, 4);
  b.writeUInt32LE(1, 8);
  b.writeUInt32LE(2, 12);
  b.writeUInt32LE(1, 16);
  b.writeUInt32LE(algorithm, 20);
  return b;
};

// The volume: test/support/wof-volume.ts (wimlib's compressor, ntfs-3g's layout).
const work = mkdtempSync(path.join(os.tmpdir(), "amigate-ntfs-wof-"));
after(() => rmSync(work, { recursive: true, force: true }));
const { volume, originals } = buildWofVolume(work);

/** The file as libfsntfs reads it. */
const peerRead = (file: string) =>
  execFileSync(
    "/usr/bin/python3",
    [
      "-c",
      "import pyfsntfs,sys; v=pyfsntfs.volume(); v.open(sys.argv[1]); f=v.get_file_entry_by_path(sys.argv[2]); sys.stdout.buffer.write(f.read_buffer(f.size))",
      volume,
      `\\app\\${file}`,
    ],
    { maxBuffer: 1 << 24 },
  );

describe("NTFS files compressed by WOF", () => {
  it("the fixture is what Windows writes: libfsntfs reads each file back as it was", () => {
    for (const [name] of WOF_FILES) assert.ok(peerRead(`${name}.txt`).equals(originals[name]), name);
  });

  it("XPRESS and LZX files are read as their bytes, whole and in pieces, not as their sparse $DATA's zeros", async () => {
    const source = await openFileByteSource(volume);
    try {
      const tree = await openNtfs(source);
      for (const [name] of WOF_FILES) {
        const want = originals[name];
        assert.equal((await tree.lstat(`/app/${name}.txt`)).size, want.length);
        assert.ok((await tree.readFile(`/app/${name}.txt`, { maxBytes: 1 << 20 })).equals(want), name);
        // A range across chunk boundaries, through the stream the content pass reads.
        const [start, end] = [Math.floor(want.length * 0.3), Math.floor(want.length * 0.8)];
        const chunks: Buffer[] = [];
        for await (const c of tree.createReadStream(`/app/${name}.txt`, { start, end }))
          chunks.push(c as Buffer);
        assert.ok(Buffer.concat(chunks).equals(want.subarray(start, end)), name);
        assert.equal(await tree.hostExtents?.(`/app/${name}.txt`), undefined, "decoded, never read in place");
      }
      // A WOF file's WofCompressedData is its own bytes, not a stream to scan as noise; on a file
      // no WOF reparse point names (the deduplicated one here) it is a stream like any other.
      const paths: string[] = [];
      for await (const e of new Image(tree).walk("/app")) paths.push(e.path);
      assert.deepEqual(
        paths.filter((p) => p.includes(":")),
        ["/app/dedup.txt:WofCompressedData"],
      );
    } finally {
      await source.close();
    }
  });

  it("deduplicated and WIM-backed files are errors (ENOTSUP), and a bad chunk table names its stream", async () => {
    const source = await openFileByteSource(volume);
    try {
      const tree = await openNtfs(source);
      for (const [file, detail] of [
        ["dedup.txt", /deduplicated/],
        ["wimboot.txt", /WIM file/],
      ] as const)
        await assert.rejects(
          tree.readFile(`/app/${file}`, { maxBytes: 1 << 20 }),
          (e) => isFsError(e, "ENOTSUP") && detail.test(e.message),
          file,
        );
      await assert.rejects(
        tree.readFile("/app/broken.txt", { maxBytes: 1 << 20 }),
        (e) => e instanceof ImageFormatError && /\$DATA:WofCompressedData chunk table/.test(e.message),
      );
    } finally {
      await source.close();
    }
  });
});

describe("WOF chunk tables", () => {
  it("are read a window at a time: a hostile 1 TiB file does not make a 2 GiB table read", async () => {
    // A stream standing in for a hostile image's: 2^25 chunks of 32 KiB (8-byte entries, 256 MiB
    // of table), each stored in 16 bytes.
    const size = 2 ** 40;
    const count = size / 32768;
    const reads: number[] = [];
    const stream = {
      size: (count - 1) * 8 + count * 16,
      offsetOf: () => -1,
      async read(offset: number, length: number) {
        reads.push(length);
        const b = Buffer.alloc(length);
        if (offset < (count - 1) * 8)
          for (let i = 0; i < length / 8; i++) b.writeBigUInt64LE(BigInt((offset / 8 + i + 1) * 16), i * 8);
        return b;
      },
    } as unknown as AttributeStream;
    const wof = new WofStream(stream, size, wofChunking(wofReparse(1), "/big"), "img", "record 99");
    // Chunk 1,000,000's 16 bytes do not decode as LZX: a typed error, after small reads only.
    await assert.rejects(wof.read(1_000_000 * 32768, 10), (e) => e instanceof ImageFormatError);
    assert.ok(Math.max(...reads) <= 4096 * 8, JSON.stringify(reads));
  });
});

describe("LZX", () => {
  // No compressor at hand writes LZX's uncompressed blocks (wimlib keeps such a chunk whole as it
  // is), so these two are written here from the format: a 20-bit header (type 3, the size flag
  // clear, a 16-bit size), the pad to the next 16-bit word, R0–R2, the bytes, a pad byte when odd.
  const uncompressed = (text: string, r0: number) => {
    const head = Buffer.alloc(4);
    const bits = ((0b0110 << 28) | (text.length << 12)) >>> 0;
    head.writeUInt16LE(bits >>> 16, 0);
    head.writeUInt16LE(bits & 0xffff, 2);
    const reps = Buffer.alloc(12);
    reps.writeUInt32LE(r0, 0);
    reps.writeUInt32LE(1, 4);
    reps.writeUInt32LE(1, 8);
    return Buffer.concat([head, reps, Buffer.from(text), Buffer.alloc(text.length & 1)]);
  };
  it("reads uncompressed blocks, padded to an even length, one after another", () => {
    const out = Buffer.alloc(11);
    decompressLzx(Buffer.concat([uncompressed("hello", 3), uncompressed("world!", 1)]), out, "f", 0);
    assert.equal(out.toString(), "helloworld!");
  });
  it("refuses a block larger than what is left of the chunk, and an unknown block type", () => {
    assert.throws(
      () => decompressLzx(uncompressed("hello", 1), Buffer.alloc(4), "f", 10),
      /f: LZX compressed data at offset \d+: a block of 1 to 4 bytes \(got 5\)/,
    );
    const zero = Buffer.alloc(64);
    assert.throws(() => decompressLzx(zero, Buffer.alloc(8), "f", 0), /a block of 1 to 8 bytes \(got 0\)/);
    const typed = Buffer.alloc(64);
    typed.writeUInt16LE(0b1111 << 12, 0); // type 7, size flag set: 32768 bytes
    assert.throws(
      () => decompressLzx(typed, Buffer.alloc(32768), "f", 0),
      /a block type of 1, 2 or 3 \(got 7\)/,
    );
  });
});

describe("XPRESS Huffman", () => {
  const table = Buffer.alloc(256);
  // Every literal and match symbol 9 bits long: a complete code (512 × 2^-9).
  table.fill(0x99);
  it("refuses code lengths that are no complete prefix code", () => {
    const input = Buffer.concat([Buffer.alloc(256, 0x11), Buffer.alloc(8)]);
    assert.throws(
      () => decompressXpressHuffman(input, Buffer.alloc(16), "f", 100),
      /f: XPRESS Huffman compressed data at offset 100: code lengths that form a complete prefix code/,
    );
  });
  it("refuses a match reaching back before the chunk's start", () => {
    // Symbol 256 + (4 << 4): a match of length 3 with a 4-bit offset (16 + bits) as the first symbol.
    const sym = 256 + (4 << 4);
    const bits = Buffer.alloc(8);
    bits.writeUInt16LE((sym << 7) & 0xffff, 0);
    assert.throws(
      () => decompressXpressHuffman(Buffer.concat([table, bits]), Buffer.alloc(16), "f", -1),
      /a match at most 0 bytes back/,
    );
  });
  it("refuses more than one block's output", () => {
    assert.throws(
      () => decompressXpressHuffman(table, Buffer.alloc(65537), "f", 0),
      /a chunk of at most 65536 bytes/,
    );
  });
});
