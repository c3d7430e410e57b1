import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { vfatImagesPath } from "../../../test/support/vfat-images.js";
import { compareImages } from "../../../test/support/walk-compare.js";
import { patchedSource } from "../../../test/support/xfs-images.js";
import type { ByteSource } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";
import { openFileByteSource } from "../../io/file.js";
import { DirectoryTree } from "../directory.js";
import { Image } from "../image.js";
import { parseDirectory, readDirectoryChain } from "./dir.js";
import { isVfat, openVfat, type VfatTree } from "./index.js";

const dir = vfatImagesPath();
const sources: ByteSource[] = [];
async function open(name: string): Promise<{ source: ByteSource; tree: VfatTree }> {
  const source = await openFileByteSource(path.join(dir, name));
  sources.push(source);
  return { source, tree: await openVfat(source) };
}
after(async () => {
  for (const s of sources) await s.close();
});

const IMAGES: Array<[string, string, number]> = [
  ["fat12.img", "FAT12", 512],
  ["fat16.img", "FAT16", 512],
  ["fat32.img", "FAT32", 512],
  ["fat32-4k.img", "FAT32", 4096],
];

describe("vfat images equal their source tree (paths, types, modes, owners, sizes, SHA-256)", () => {
  for (const [name, kind, sector] of IMAGES) {
    it(`${name}: ${kind}, ${sector}-byte sectors`, async () => {
      const { tree } = await open(name);
      assert.equal(tree.fat.geo.kind, kind);
      assert.equal(tree.fat.geo.bytesPerSector, sector);
      const { differences, summary } = await compareImages(
        new Image(tree),
        new Image(new DirectoryTree(path.join(dir, "tree"))),
      );
      assert.deepEqual(differences, []);
      assert.equal(summary.entries, 339);
    });
  }
});

describe("vfat names, attributes and chains", () => {
  it("long names, 8.3 names, case-insensitive lookup, read-only, fragmented chain", async () => {
    const { tree } = await open("fat16.img");
    const image = new Image(tree);
    assert.equal(await image.readText("/efi/boot/bootx64.efi"), "MZ boot loader\n");
    assert.equal(await image.readText("/Ünïcödé name – ok.txt"), "unicode\n");
    assert.equal((await image.readdir("/many")).length, 300);
    assert.equal((await tree.lstat("/readonly.txt")).mode, 0o444);
    assert.equal((await tree.lstat("/EFI")).mode, 0o755);
    assert.ok((await tree.readdir("/")).some((e) => e.name === "README.TXT"));
    const first = await tree.fat.chain(await firstCluster(tree, "/filler", "frag.bin"), 1000, "frag", false);
    const jumps = first.filter((c, i) => i > 0 && c !== (first[i - 1] as number) + 1).length;
    assert.ok(jumps >= 5, `frag.bin's chain has ${jumps} jumps`);
    await assert.rejects(tree.readlink("/README.TXT"), { code: "EINVAL" });
    await assert.rejects(tree.readFile("/random.bin", { maxBytes: 10 }), { code: "EFBIG" });
  });
  it("isVfat", async () => {
    const { source } = await open("fat12.img");
    assert.equal(await isVfat(source), true);
    assert.equal(await isVfat(patchedSource(source, [{ offset: 510, bytes: Buffer.alloc(2) }])), false);
  });
});

async function firstCluster(tree: VfatTree, parent: string, name: string): Promise<number> {
  // A directory's ino is its first cluster (the FAT16 root has none: its entries are read in place).
  if (parent === "/" && tree.fat.geo.kind !== "FAT32") {
    const { geo, source } = tree.fat;
    const root = parseDirectory(
      await source.read(geo.rootDirOffset, geo.rootEntries * 32),
      geo.rootDirOffset,
      "root",
    );
    const e = root.find((x) => x.name === name);
    assert.ok(e);
    return e.firstCluster;
  }
  const parentIno = (await tree.lstat(parent)).ino ?? 0;
  const entries = await readDirectoryChain(tree.fat, parentIno, parent);
  const e = entries.find((x) => x.name === name);
  assert.ok(e);
  return e.firstCluster;
}

describe("hostile vfat images give typed errors", () => {
  it("zeroed boot sector", async () => {
    const { source } = await open("fat16.img");
    await assert.rejects(
      openVfat(patchedSource(source, [{ offset: 0, bytes: Buffer.alloc(512) }])),
      ImageFormatError,
    );
  });
  it("truncated image", async () => {
    const { source } = await open("fat16.img");
    await assert.rejects(
      openVfat(patchedSource(source, [], 1 << 20)),
      (e) => e instanceof ImageFormatError && /inside/.test(e.expected),
    );
  });
  it("a FAT chain that loops ends with a typed error in bounded time", async () => {
    const { source, tree } = await open("fat16.img");
    const c = await firstCluster(tree, "/", "random.bin");
    // FAT16 entry of random.bin's second cluster points back at its first.
    const entry = Buffer.alloc(2);
    entry.writeUInt16LE(c);
    const s = patchedSource(source, [{ offset: tree.fat.geo.fatOffset + (c + 1) * 2, bytes: entry }]);
    const looped = await openVfat(s);
    const started = Date.now();
    await assert.rejects(looped.readFile("/random.bin", { maxBytes: 1 << 20 }), ImageFormatError);
    assert.ok(Date.now() - started < 10_000);
  });
  it("a directory cycle (a subdirectory pointing at its parent) keeps the walk finite", async () => {
    const { source, tree } = await open("fat32.img");
    const deeper = await firstCluster(tree, "/a long directory name", "nested deeper");
    const parent = (await tree.lstat("/a long directory name")).ino ?? 0;
    // Point "deepest" (inside "nested deeper") at "a long directory name": a loop of three.
    const entries = await readDirectoryChain(tree.fat, deeper, "x");
    const deepest = entries.find((e) => e.name === "deepest");
    assert.ok(deepest);
    const hi = Buffer.alloc(2);
    hi.writeUInt16LE(parent >>> 16);
    const lo = Buffer.alloc(2);
    lo.writeUInt16LE(parent & 0xffff);
    const s = patchedSource(source, [
      { offset: deepest.offset + 20, bytes: hi },
      { offset: deepest.offset + 26, bytes: lo },
    ]);
    const image = new Image(await openVfat(s));
    let n = 0;
    for await (const _ of image.walk("/")) n++;
    assert.ok(n > 300 && n < 400, `walked ${n}`);
  });
  it("an entry whose name starts with 0x00 is a free slot, as Linux reads it, not the end of the directory", async () => {
    const { source, tree } = await open("fat16.img");
    const { rootDirOffset, rootEntries } = tree.fat.geo;
    const entries = parseDirectory(await source.read(rootDirOffset, rootEntries * 32), rootDirOffset, "x");
    const first = entries.reduce((a, b) => (b.offset < a.offset ? b : a));
    const before = (await tree.readdir("/")).map((e) => e.name).sort();
    assert.ok(before.length > 5 && before.includes(first.name));
    // Windows would stop at that slot; Linux skips it and lists every entry after it.
    const s = patchedSource(source, [{ offset: first.offset, bytes: Buffer.from([0]) }]);
    const after = (await (await openVfat(s)).readdir("/")).map((e) => e.name).sort();
    assert.deepEqual(
      after,
      before.filter((n) => n !== first.name),
    );
  });
  it("a file whose cluster lies past the volume", async () => {
    const { source, tree } = await open("fat16.img");
    const root = await tree.fat.source.read(tree.fat.geo.rootDirOffset, tree.fat.geo.rootEntries * 32);
    const at = root.indexOf(Buffer.from("RANDOM  BIN"));
    assert.ok(at >= 0);
    const s = patchedSource(source, [
      { offset: tree.fat.geo.rootDirOffset + at + 26, bytes: Buffer.from([0xf0, 0xff]) },
    ]);
    await assert.rejects(
      (await openVfat(s)).readFile("/random.bin", { maxBytes: 1 << 20 }),
      ImageFormatError,
    );
  });
});
