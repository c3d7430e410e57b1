import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { ByteSource } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";
import { openFileByteSource } from "../../io/file.js";
import { Image } from "../image.js";
import { applyFixups } from "./fixup.js";
import { openNtfs } from "./index.js";
import { decompressLznt1 } from "./lznt1.js";
import { AttrType, parseMftRecord } from "./record.js";
import { ntfsFixtures, patchedSource } from "./testing.js";
import { NtfsVolume } from "./volume.js";

/** Hostile variants of the real fixture: each must end in one typed error, quickly. */
async function rejectsTyped(p: Promise<unknown>, structure: RegExp, expected?: RegExp): Promise<void> {
  const started = Date.now();
  await assert.rejects(p, (e) => {
    assert.ok(e instanceof ImageFormatError, String(e));
    assert.match(e.structure, structure);
    if (expected) assert.match(e.expected, expected);
    return true;
  });
  assert.ok(Date.now() - started < 5000, "bounded time");
}

describe("NTFS reader on hostile volumes", () => {
  let base: ByteSource;
  let vol: NtfsVolume;
  before(async () => {
    base = await openFileByteSource(path.join(ntfsFixtures(), "ntfs.raw"));
    vol = await NtfsVolume.open(base);
  });
  after(() => base.close());

  /** The raw (not fixed-up) bytes of record `n` and its offset, plus a fixed-up copy to navigate. */
  async function record(n: number) {
    const at = vol.recordOffset(n);
    const raw = await base.read(at, vol.boot.mftRecordSize);
    const fixed = Buffer.from(raw);
    return { at, raw, rec: parseMftRecord(fixed, n, "x", at), fixed };
  }
  async function inoOf(p: string): Promise<number> {
    return (await (await openNtfs(base)).lstat(p)).ino!;
  }

  it("a fix-up mismatch in an MFT record is an error for that record", async () => {
    const n = await inoOf("/Windows/System32/config/SAM");
    const { at } = await record(n);
    const tree = await openNtfs(patchedSource(base, [[at + 510, Buffer.from([0xde, 0xad])]]));
    await rejectsTyped(
      tree.lstat("/Windows/System32/config/SAM"),
      new RegExp(`MFT record ${n}`),
      /fix-up mismatch/,
    );
    assert.equal((await tree.lstat("/Windows/System32/config/SYSTEM")).type, "file");
  });

  it("a runlist pointing outside the volume is refused, not read", async () => {
    const n = await inoOf("/Windows/System32/large.bin");
    const { at, rec } = await record(n);
    const data = rec.attributes.find((a) => a.type === AttrType.data)!.nonResident!;
    assert.ok(data.mappingPairs.length >= 7);
    // one run of 1 cluster at LCN 0x7fffffff, then the end marker
    const runs = Buffer.from([0x41, 0x01, 0xff, 0xff, 0xff, 0x7f, 0x00]);
    const off = data.mappingPairsOffset;
    assert.ok(Math.floor(off / 512) === Math.floor((off + 6) / 512) && (off + 6) % 512 < 510);
    assert.ok(off > at && off < at + vol.boot.mftRecordSize);
    const tree = await openNtfs(patchedSource(base, [[off, runs]]));
    await rejectsTyped(
      tree.readFile("/Windows/System32/large.bin", { maxBytes: 1 << 30 }),
      /runlist/,
      /inside the volume/,
    );
  });

  it("an index whose sub-node pointers repeat (a cycle) is an error, not a loop", async () => {
    const n = await inoOf("/Many");
    const { at, fixed, rec } = await record(n);
    const root = rec.attributes.find((a) => a.type === AttrType.indexRoot)!;
    // Locate the resident $INDEX_ROOT value in the record and every sub-node VCN in its node.
    const value = fixed.indexOf(root.resident!);
    const node = value + 0x10;
    const vcnOffsets: number[] = [];
    for (let pos = node + fixed.readUInt32LE(node); ; ) {
      const length = fixed.readUInt16LE(pos + 8);
      const flags = fixed.readUInt32LE(pos + 12);
      if (flags & 1) vcnOffsets.push(pos + length - 8);
      if (flags & 2) break;
      pos += length;
    }
    assert.ok(vcnOffsets.length >= 1, "the 2000-name index has INDX blocks");
    const top = fixed.readBigUInt64LE(vcnOffsets[0]!);
    // Below the root: the first INDX block. If it has children, point one back at itself (a
    // true cycle); otherwise make the root name that block twice.
    const dir = await vol.loadFile(n);
    const alloc = vol.stream(dir, AttrType.indexAllocation, "$I30")!;
    const blockSize = root.resident!.readUInt32LE(8);
    const blockAt = alloc.offsetOf(Number(top) * (blockSize >= vol.clusterSize ? vol.clusterSize : 512));
    const block = Buffer.from(await base.read(blockAt, blockSize));
    applyFixups(block, "x", "INDX", blockAt);
    const childOffsets: number[] = [];
    for (let pos = 0x18 + block.readUInt32LE(0x18); ; ) {
      const length = block.readUInt16LE(pos + 8);
      const flags = block.readUInt32LE(pos + 12);
      if (flags & 1) childOffsets.push(pos + length - 8);
      if (flags & 2) break;
      pos += length;
    }
    const self = Buffer.alloc(8);
    self.writeBigUInt64LE(top);
    const usable = (o: number) => o % 512 < 504;
    const patches: Array<[number, Buffer]> =
      childOffsets.filter(usable).length > 0
        ? [[blockAt + childOffsets.filter(usable)[0]!, self]]
        : vcnOffsets.slice(1).map((o) => [at + o, self]);
    assert.ok(patches.length > 0);
    const tree = await openNtfs(patchedSource(base, patches));
    await rejectsTyped(tree.readdir("/Many"), /\$INDEX_ALLOCATION/, /acyclic/);
  });

  /** The volume with `from` replaced by `to` (same length) in /Compressed's index root only. */
  async function renamedInIndex(from: string, to: string) {
    const n = await inoOf("/Compressed");
    const { at, raw } = await record(n);
    const name = raw.indexOf(Buffer.from(from, "utf16le"));
    assert.ok(name > 0 && (name % 512) + from.length * 2 < 510, "the name sits clear of the fix-up words");
    return openNtfs(patchedSource(base, [[at + name, Buffer.from(to, "utf16le")]]));
  }
  it("an index name holding a slash is an error, not a path posing as another", async () => {
    const tree = await renamedInIndex("text.log", "te/t.log");
    await rejectsTyped(tree.readdir("/Compressed"), /\$I30/, /names without "\/" or NUL \(got "te\/t.log"\)/);
  });
  it("a name twice in one index: the first is the file, the other an error", async () => {
    const names = (await (await openNtfs(base)).readdir("/Compressed")).map((e) => e.name).sort();
    assert.deepEqual(names, ["holes.bin", "mixed.bin", "text.log"]);
    const tree = await renamedInIndex("holes.bin", "mixed.bin");
    const listed = await tree.readdirStats!("/Compressed");
    const twins = listed.filter((e) => e.name === "mixed.bin");
    assert.equal(twins.length, 2);
    const [kept, reported] = "stat" in twins[0]! ? [twins[0]!, twins[1]!] : [twins[1]!, twins[0]!];
    assert.ok("stat" in kept && "error" in reported);
    assert.match(
      String(reported.error),
      /one entry named "mixed.bin" \(another, MFT record \d+, is not read\)/,
    );
    // The lookup opens the first in index order: holes.bin's record, now named mixed.bin there.
    assert.equal((await tree.lstat("/Compressed/mixed.bin")).ino, await inoOf("/Compressed/holes.bin"));
    assert.deepEqual((await tree.readdir("/Compressed")).map((e) => e.name).sort(), [
      "mixed.bin",
      "text.log",
    ]);
  });
  it("a damaged INDX block signature or fix-up is an error", async () => {
    const buf = Buffer.alloc(4096);
    buf.write("INDX", 0, "latin1");
    buf.writeUInt16LE(0x28, 4);
    buf.writeUInt16LE(9, 6);
    buf.writeUInt16LE(7, 0x28);
    for (let i = 1; i < 9; i++) buf.writeUInt16LE(7, i * 512 - 2);
    applyFixups(Buffer.from(buf), "x", "INDX", 0);
    buf.writeUInt16LE(8, 3 * 512 - 2);
    assert.throws(
      () => applyFixups(buf, "x", "INDX", 0),
      /offset 1534: update sequence number 7 \(fix-up mismatch\)/,
    );
  });

  it("BitLocker volumes are recognised and refused with a typed error", async () => {
    const bl = patchedSource(base, [[3, Buffer.from("-FVE-FS-", "latin1")]]);
    await rejectsTyped(openNtfs(bl), /boot sector/, /BitLocker/);
  });

  it("bad boot sector fields are typed errors", async () => {
    await rejectsTyped(
      openNtfs(patchedSource(base, [[0x0d, Buffer.from([3])]])),
      /boot sector/,
      /sectors per cluster/,
    );
    const farMft = Buffer.alloc(8);
    farMft.writeBigUInt64LE(1n << 40n);
    await rejectsTyped(openNtfs(patchedSource(base, [[0x30, farMft]])), /boot sector/, /\$MFT cluster/);
  });

  it("an extension record that does not belong to the file ends the attribute list", async () => {
    // Point the root directory's $STANDARD_INFORMATION record type at an $ATTRIBUTE_LIST naming
    // record 0 ($MFT) as an extension: a list that leads into another file.
    const { at, fixed, rec } = await record(5);
    const si = rec.attributes.find((a) => a.type === AttrType.standardInformation)!;
    const pos = fixed.indexOf(si.resident!) - 0x18;
    assert.equal(fixed.readUInt32LE(pos), 0x10);
    const entry = Buffer.alloc(0x20);
    entry.writeUInt32LE(0x80, 0);
    entry.writeUInt16LE(0x20, 4);
    entry.writeBigUInt64LE(0n, 0x10);
    const tree = await openNtfs(
      patchedSource(base, [
        [at + pos, Buffer.from([0x20, 0, 0, 0])],
        [at + pos + 0x18, entry],
      ]),
    );
    await rejectsTyped(new Image(tree).readdir("/"), /MFT record 0/, /extension record of record 5/);
  });

  it("LZNT1: a spec-built chunk decompresses, a back-reference before the start is an error", () => {
    // flags 0b1000: literals 'a' 'b' 'c', then a token (offset 3, length 9) at position 3.
    const chunk = Buffer.from([0x05, 0xb0, 0x08, 0x61, 0x62, 0x63, 0x06, 0x20]);
    const out = Buffer.alloc(4096);
    decompressLznt1(chunk, out, "x", 0);
    assert.equal(out.subarray(0, 12).toString(), "abcabcabcabc");
    assert.ok(out.subarray(12).every((b) => b === 0));
    const bad = Buffer.from([0x05, 0xb0, 0x08, 0x61, 0x62, 0x63, 0x06, 0x50]);
    assert.throws(() => decompressLznt1(bad, out, "x", 0), ImageFormatError);
  });
});
