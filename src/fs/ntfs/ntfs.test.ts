import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { walkAll, withoutReaddirStats } from "../../../test/support/walk-compare.js";
import type { ByteSource } from "../../io/bytes.js";
import { isFsError } from "../../io/errors.js";
import { openFileByteSource } from "../../io/file.js";
import { readHostRuns } from "../../io/host-read.js";
import type { FileTree, WalkEntry } from "../filetree.js";
import { Image } from "../image.js";
import { isNtfs, openNtfs } from "./index.js";
import { AttrType } from "./record.js";
import { ntfsFixtures, patchedSource, peerListing } from "./testing.js";
import { NtfsVolume } from "./volume.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const opened: ByteSource[] = [];
async function open(file: string): Promise<ByteSource> {
  const s = await openFileByteSource(file);
  opened.push(s);
  return s;
}

describe("NTFS reader on the ntfs-3g fixture (ntfs.raw)", () => {
  let dir: string;
  let tree: FileTree;
  let image: Image;
  before(async () => {
    dir = ntfsFixtures();
    tree = await openNtfs(await open(path.join(dir, "ntfs.raw")));
    image = new Image(tree);
  });
  after(async () => {
    await tree.close();
    for (const s of opened) await s.close();
  });

  it("walks the same paths as ntfsls -R, with the same bytes as ntfscat for every file", async () => {
    const peer = peerListing(dir);
    const walked: WalkEntry[] = [];
    for await (const e of image.walk("/")) walked.push(e);
    assert.deepEqual(walked.map((e) => e.path).sort(), [...peer.keys()].sort());
    assert.ok(walked.length > 2000);
    for (const e of walked) {
      const p = peer.get(e.path)!;
      if (e.stat.type === "directory") assert.equal(p.kind, "d", e.path);
      if (e.stat.type !== "file") continue;
      const data = await tree.readFile(e.path, { maxBytes: 64 << 20 });
      assert.equal(e.stat.size, p.size, e.path);
      assert.equal(sha(data), p.sha256, e.path);
    }
  });

  it("readdirStats walks to the same entries and stats as lstat by path (symlinks and junctions too)", async () => {
    assert.ok(tree.readdirStats);
    const byStats = await walkAll(image);
    // The reference walk's tree must not close the shared one.
    const byPath = await walkAll(new Image({ ...withoutReaddirStats(tree), close: async () => {} }));
    assert.ok(byStats.length > 2000);
    assert.ok(byStats.some((e) => e.stat.type === "symlink"));
    assert.deepEqual(byStats, byPath);
  });

  it("looks names up case-insensitively and lists them as stored", async () => {
    const exact = await tree.lstat("/Windows/System32/config/SAM");
    const folded = await tree.lstat("/windows/SYSTEM32/Config/sam");
    assert.equal(folded.ino, exact.ino);
    assert.equal(exact.type, "file");
    assert.ok((await tree.readdir("/WINDOWS")).some((e) => e.name === "System32" && e.type === "directory"));
    await assert.rejects(tree.lstat("/Windows/System33"), (e) => isFsError(e, "ENOENT"));
    await assert.rejects(tree.lstat("/readonly.txt/x"), (e) => isFsError(e, "ENOTDIR"));
  });

  it("shows long names and hides DOS 8.3 aliases and NTFS metadata files", async () => {
    const root = (await tree.readdir("/")).map((e) => e.name);
    assert.ok(root.includes("Program Files"));
    assert.ok(!root.includes("PROGRA~1"));
    assert.ok(!root.some((n) => n.startsWith("$")));
    const pub = (await tree.readdir("/Users/Public")).map((e) => e.name);
    assert.deepEqual(pub, ["A Long Document Name.txt"]);
  });

  it("maps attributes to FileStat: 0755 dirs, 0644 files, read-only 0444, ino = MFT record", async () => {
    assert.equal((await tree.lstat("/Windows")).mode, 0o755);
    assert.equal((await tree.lstat("/Windows/Panther/unattend.xml")).mode, 0o644);
    assert.equal((await tree.lstat("/readonly.txt")).mode, 0o444);
    const st = await tree.lstat("/");
    assert.equal(st.ino, 5);
    assert.equal(st.uid, 0);
    assert.ok((await tree.lstat("/Windows/sparse.dat")).mtimeMs > Date.UTC(2020, 0, 1));
  });

  it("reads a 2000-entry directory spread over INDX blocks", async () => {
    const names = await tree.readdir("/Many");
    assert.equal(names.length, 2000);
    assert.equal(await image.readText("/many/FILE-1234-WITH-A-LONG-NAME.TXT"), "1234\n");
    const vol = await NtfsVolume.open(await open(path.join(dir, "ntfs.raw")));
    const many = await vol.loadFile((await tree.lstat("/Many")).ino!);
    assert.ok(vol.stream(many, AttrType.indexAllocation, "$I30")!.size >= 8 * 4096);
  });

  it("decompresses LZNT1 files and reads sparse runs as zeros", async () => {
    const vol = await NtfsVolume.open(await open(path.join(dir, "ntfs.raw")));
    const text = await vol.loadFile((await tree.lstat("/Compressed/text.log")).ino!);
    const data = text.attributes.find((a) => a.type === AttrType.data)!;
    assert.equal(data.flags & 0xff, 1);
    assert.equal(data.nonResident?.compressionUnit, 4);
    const log = await image.readText("/Compressed/text.log");
    assert.equal(log.length, 700000);
    assert.ok(log.startsWith("The quick brown fox jumps over the lazy dog 0123456789\nThe quick"));
    const holes = await image.readFile("/Compressed/holes.bin");
    assert.equal(
      holes.subarray(0, 524288).every((b) => b === 0),
      true,
    );
    assert.equal(holes.subarray(524288).toString(), "tail");
    const sparse = await image.readFile("/Windows/sparse.dat");
    assert.equal(sparse.subarray(0, 4).toString(), "head");
    assert.equal(
      sparse.subarray(4, 5242880).every((b) => b === 0),
      true,
    );
  });

  it("reports symlinks and junctions with their targets, never leaving the volume", async () => {
    assert.equal((await tree.lstat("/Documents and Settings")).type, "symlink");
    assert.equal(await tree.readlink("/Documents and Settings"), "/Users");
    assert.equal(await tree.readlink("/hosts-link"), "Windows/System32/drivers/etc/hosts");
    assert.equal(await image.readText("/hosts-link"), "127.0.0.1 localhost\r\n");
    assert.ok(await image.exists("/Documents and Settings/Administrator/NTUSER.DAT"));
    assert.equal(await tree.readlink("/outside-link"), "\\??\\D:\\data");
    assert.equal(await image.statIfExists("/outside-link"), undefined);
    await assert.rejects(tree.readlink("/readonly.txt"), (e) => isFsError(e, "EINVAL"));
  });

  it("streams ranges and bounds whole-file reads", async () => {
    const whole = await tree.readFile("/Windows/System32/large.bin", { maxBytes: 64 << 20 });
    const chunks: Buffer[] = [];
    for await (const c of tree.createReadStream("/Windows/System32/large.bin", {
      start: 1000,
      end: 3_000_000,
    }))
      chunks.push(c as Buffer);
    assert.deepEqual(Buffer.concat(chunks), whole.subarray(1000, 3_000_000));
    await assert.rejects(tree.readFile("/Windows/System32/large.bin", { maxBytes: 1 << 20 }), (e) =>
      isFsError(e, "EFBIG"),
    );
    await assert.rejects(tree.readFile("/Windows", { maxBytes: 10 }), (e) => isFsError(e, "EISDIR"));
  });

  it("hostExtents: every non-resident, uncompressed file read through its host runs equals readFile", async () => {
    const source = opened[0]!;
    assert.ok(source.hostFile && tree.hostExtents);
    const kinds = { mapped: 0, sparse: 0, fragmented: 0, resident: 0, compressed: 0 };
    for (const e of await walkAll(image)) {
      if (e.stat.type !== "file") continue;
      const extents = await tree.hostExtents(e.path, e.stat.ino);
      if (!extents) {
        // Only what does not lie in the volume as it is: LZNT1 units, or bytes inside the record.
        if (e.path.startsWith("/Compressed/")) kinds.compressed++;
        else {
          assert.ok(e.stat.size < 1024, `${e.path}: ${e.stat.size} bytes, not mapped`);
          kinds.resident++;
        }
        continue;
      }
      assert.equal(extents.fd, source.hostFile.fd);
      assert.equal(extents.size, e.stat.size);
      const lengths: number[] = extents.runs.filter((_, i) => i % 2 === 1);
      assert.equal(
        lengths.reduce((a: number, b: number) => a + b, 0),
        e.stat.size,
        e.path,
      );
      const viaRuns = Buffer.alloc(extents.size);
      readHostRuns(extents.fd, extents.runs, 0, viaRuns, e.path);
      assert.ok(viaRuns.equals(await tree.readFile(e.path, { maxBytes: 64 << 20 })), e.path);
      kinds.mapped++;
      if (extents.runs.some((x, i) => i % 2 === 0 && x === -1)) kinds.sparse++;
      if (extents.runs.filter((x, i) => i % 2 === 0 && x !== -1).length > 1) kinds.fragmented++;
    }
    assert.ok(kinds.mapped >= 5 && kinds.sparse >= 1 && kinds.resident > 2000, JSON.stringify(kinds));
    assert.equal(kinds.compressed, 3);
    // By path as by number.
    assert.deepEqual(
      await tree.hostExtents("/windows/system32/LARGE.BIN"),
      await tree.hostExtents(
        "/Windows/System32/large.bin",
        (await tree.lstat("/Windows/System32/large.bin")).ino,
      ),
    );
  });

  it("hostExtents: bytes past the initialized size are a run of zeros, as readFile reads them", async () => {
    const vol = await NtfsVolume.open(await open(path.join(dir, "ntfs.raw")));
    const large = await vol.loadFile((await tree.lstat("/Windows/System32/large.bin")).ino!);
    const nr = large.attributes.find((a) => a.type === AttrType.data)!.nonResident!;
    // The unnamed $DATA's mapping pairs follow its 0x40-byte header; the initialized size is at 0x38.
    const at = nr.mappingPairsOffset - 8;
    assert.equal((await vol.source.read(at, 8)).readBigUInt64LE(0), BigInt(nr.initializedSize));
    const initialized = 100_001;
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(initialized));
    const base = await open(path.join(dir, "ntfs.raw"));
    const patched = await openNtfs({ ...patchedSource(base, [[at, size]]), hostFile: base.hostFile! });
    const extents = await patched.hostExtents!("/Windows/System32/large.bin");
    assert.ok(extents);
    assert.deepEqual(extents.runs.slice(-2), [-1, nr.dataSize - initialized]);
    const viaRuns = Buffer.alloc(extents.size);
    readHostRuns(extents.fd, extents.runs, 0, viaRuns, "large.bin");
    const read = await patched.readFile("/Windows/System32/large.bin", { maxBytes: 64 << 20 });
    assert.ok(read.subarray(initialized).every((b) => b === 0));
    assert.ok(viaRuns.equals(read));
  });

  it("isNtfs tells NTFS from other volumes", async () => {
    assert.equal(await isNtfs(await open(path.join(dir, "ntfs.raw"))), true);
    assert.equal(await isNtfs(await open(path.join(dir, "gpt.raw"))), false);
  });
});
