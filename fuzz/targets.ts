/**
 * The readers the fuzzer exercises, one row each: where its seeds are, which regions of a seed
 * hold its metadata, and how to open a mutant and read everything in it. Adding a reader is one
 * row. Readers still being written elsewhere are loaded by module path and skipped when absent.
 */
import { execFileSync } from "node:child_process";
import { createReadStream, existsSync, promises as fsp, readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { openContainer } from "../src/container/disk/container.js";
import { sniffVolume } from "../src/container/disk/sniff.js";
import { scanOpenedDisk } from "../src/container/layout.js";
import { partitionSource, readPartitionTable } from "../src/container/partition/table.js";
import type { FileTree } from "../src/fs/filetree.js";
import { NtfsVolume, openNtfs } from "../src/fs/ntfs/index.js";
import { AttrType } from "../src/fs/ntfs/record.js";
import { scanArchiveFile } from "../src/inspect/archive-scan.js";
import { openHive, type RegistryKey } from "../src/inspect/windows/regf/index.js";
import { type ByteSource, hostRunsOf } from "../src/io/bytes.js";
import { openFileByteSource } from "../src/io/file.js";
import { openDiskTarget } from "../src/target/disk/probe.js";
import { TarTree } from "../src/target/tar/tree.js";
import type { Region } from "./mutate.js";
import { isTypedError, readWholeTree, sameOnHost, type WalkCount } from "./walk.js";

export const FIXTURES =
  process.env.AMIGATE_FIXTURES ?? path.join(process.env.HOME ?? "/root", ".cache/amigate-fixtures");
const REPO = path.resolve(import.meta.dirname, "..");
const CORPUS = existsSync(path.join(REPO, "../shared/corpus"))
  ? path.join(REPO, "../shared/corpus")
  : "/work/shared/corpus";

export interface Seed {
  path: string;
  /** Files the mutant needs beside it (a VMDK descriptor's flat extent), linked next to it. */
  companions?: string[];
}

/** One mutant as a reader sees it. */
export interface FuzzInput {
  /** The mutant as a file (only for targets with `asFile`). */
  file: string;
  /** The mutant as a ByteSource (a fresh one per call; the reader closes it). */
  source(): Promise<ByteSource>;
  /** The seed it was made from. */
  seed: string;
}

/** How a case read: its summary, and entries of the seed that vanished without any error. */
export interface RunOutcome {
  detail: string;
  /** Seed entries missing from a walk that reported no error (a scan would pass them unread). */
  lost?: number;
  lostExample?: string;
}

export interface FuzzTarget {
  name: string;
  /** Seed files that exist on this machine. */
  seeds(): Seed[];
  /** Metadata regions of one seed (besides its first MiB, which is always a focus). */
  regions?(seed: ByteSource, file: string): Promise<Region[]>;
  /** The reader takes a path: write each mutant out as a file. */
  asFile?: boolean;
  /** Opens the mutant and reads everything; returns a short summary. Throws what the reader throws. */
  run(input: FuzzInput): Promise<string | RunOutcome>;
  /** Why this row cannot run here (reader not built), checked before seeds. */
  missing?(): Promise<string | undefined>;
}

const existing = (...paths: string[]): Seed[] => paths.filter((p) => existsSync(p)).map((p) => ({ path: p }));
const inDir = (dir: string, filter: (name: string) => boolean = () => true): Seed[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => !n.startsWith(".") && filter(n))
        .sort()
        .map((n) => ({ path: path.join(dir, n) }))
    : [];

const tail = (source: ByteSource, length: number): Region => ({
  offset: Math.max(0, source.size - length),
  length,
});

const MiB = 1024 * 1024;

/** Reads a virtual disk's first 64 MiB in 1 MiB steps plus 32 spread-out sectors. */
async function readGuest(disk: ByteSource): Promise<number> {
  let bytes = 0;
  for (let at = 0; at < Math.min(disk.size, 64 * MiB); at += MiB) {
    const read = await disk.read(at, Math.min(MiB, disk.size - at));
    bytes += read.length;
    sameOnHost(
      await guarded(() => hostRunsOf(disk, [at, read.length])),
      read,
      `guest bytes ${at}+${read.length}`,
    );
    await sameInto(disk, at, read);
  }
  for (let i = 0; i < 32 && disk.size >= 512; i++) {
    const at = Math.floor(((disk.size - 512) * i) / 31 / 512) * 512;
    bytes += (await disk.read(at, 512)).length;
  }
  return bytes;
}

/**
 * readInto, where the source has it (file reads and the content pass use it), fills a dirty buffer
 * with the bytes read() gave, or fails with a typed error.
 */
async function sameInto(disk: ByteSource, at: number, read: Buffer): Promise<void> {
  if (!disk.readInto) return;
  const into = Buffer.alloc(read.length, 0xa5);
  const filled = await guarded(async () => {
    await disk.readInto!(at, into);
    return true;
  });
  if (!filled) return;
  if (!into.equals(read))
    throw new Error(`guest bytes ${at}+${read.length}: readInto gave other bytes than read`);
}

/** Partition starts (first 128 KiB each) and the disk's last 64 KiB (backup GPT, footers). */
async function partitionRegions(disk: ByteSource): Promise<Region[]> {
  const regions: Region[] = [tail(disk, 64 * 1024)];
  const table = await readPartitionTable(disk).catch(() => undefined);
  for (const p of table?.partitions ?? []) regions.push({ offset: p.start, length: 128 * 1024 });
  return regions;
}

async function guarded<T>(action: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (e) {
    if (!isTypedError(e)) throw e;
    return undefined;
  }
}

/** A reader living in another module (another helper's branch): undefined until it is merged. */
async function optionalOpener(
  specifier: string,
  exportName: string,
): Promise<((s: ByteSource) => Promise<FileTree>) | undefined> {
  const file = path.join(REPO, specifier);
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const open = mod[exportName];
  return typeof open === "function" ? (open as (s: ByteSource) => Promise<FileTree>) : undefined;
}

function filesystemTarget(
  name: string,
  opener: () => Promise<((s: ByteSource) => Promise<FileTree>) | undefined>,
  seeds: () => Seed[],
  regions?: (seed: ByteSource, file: string) => Promise<Region[]>,
): FuzzTarget {
  return {
    name,
    seeds,
    ...(regions ? { regions } : {}),
    async missing() {
      return (await opener()) ? undefined : `${name} reader not built`;
    },
    async run(input) {
      const open = (await opener())!;
      const source = await input.source();
      try {
        const walked = await readWholeTree(await open(source));
        return {
          detail: `${walked.entries} entries, ${walked.bytes} bytes`,
          ...(await lostEntries(input.seed, walked, open)),
        };
      } finally {
        await source.close();
      }
    },
  };
}

/** Each seed's walk, unmutated, by path (read once per worker). */
const seedWalks = new Map<string, Promise<WalkCount>>();

/**
 * Entries of the seed a mutant's walk lost while reporting no error at all: what a scan would pass
 * unread without a word. A walk with an error said something; one with as many entries renamed one.
 */
async function lostEntries(
  seed: string,
  walked: WalkCount,
  open: (s: ByteSource) => Promise<FileTree>,
): Promise<Pick<RunOutcome, "lost" | "lostExample">> {
  if (walked.errors > 0) return {};
  let whole = seedWalks.get(seed);
  if (!whole) {
    whole = (async () => {
      const source = await openFileByteSource(seed);
      try {
        return await readWholeTree(await open(source));
      } finally {
        await source.close();
      }
    })();
    seedWalks.set(seed, whole);
  }
  const base = await whole;
  if (walked.entries >= base.entries) return {};
  const seen = new Set(walked.paths);
  const missing = base.paths.filter((p) => !seen.has(p));
  return missing.length > 0 ? { lost: base.entries - walked.entries, lostExample: missing[0]! } : {};
}

/** Visits every key and value of a hive, each key once, bounded in depth as Windows is. */
function walkHive(root: RegistryKey): number {
  const seen = new Set<number>();
  const stack: Array<{ key: RegistryKey; depth: number }> = [{ key: root, depth: 0 }];
  let values = 0;
  while (stack.length > 0) {
    const { key, depth } = stack.pop()!;
    const at = key.node.offset;
    if (seen.has(at) || depth > 512) continue;
    seen.add(at);
    try {
      key.className();
      for (const v of key.values()) {
        try {
          v.decoded();
          values++;
        } catch (e) {
          if (!isTypedError(e)) throw e;
        }
      }
      for (const k of key.subkeys()) stack.push({ key: k, depth: depth + 1 });
    } catch (e) {
      if (!isTypedError(e)) throw e;
    }
  }
  return values;
}

const disk = (n: string) => path.join(FIXTURES, "disk", n);
const seedsDir = path.join(FIXTURES, "fuzz-seeds");

/** The table. Order is the order of the report. */
export const targets: FuzzTarget[] = [
  {
    name: "tar",
    asFile: true,
    seeds: () => inDir(seedsDir, (n) => n.includes(".tar")),
    async run(input) {
      const tree = await TarTree.open(input.file, { partial: true });
      const { entries, bytes } = await readWholeTree(tree);
      return `${entries} entries, ${bytes} bytes${tree.damage ? " (damaged)" : ""}`;
    },
  },
  {
    // Archives inside an image, as the content pass reads them (src/inspect/archive-scan.ts).
    name: "archive",
    asFile: true,
    seeds: () => inDir(path.join(seedsDir, "archives")),
    async run(input) {
      const { size } = await fsp.stat(input.file);
      const head = Buffer.alloc(8192);
      const fd = await fsp.open(input.file, "r");
      try {
        await fd.read(head, 0, head.length, 0);
      } finally {
        await fd.close();
      }
      const counts = { archives: 0, archiveMembers: 0, archiveMemberBytes: 0 };
      let unknowns = 0;
      const missed: string[] = [];
      await scanArchiveFile(
        {
          path: "/seed",
          size,
          read: (start, end) => createReadStream(input.file, { start, end: end - 1 }),
        },
        head,
        {
          text: () => ({ push: () => {}, end: () => {} }),
          unknown: () => {
            unknowns++;
          },
          missed: (p, e) => missed.push(`${p}: ${String(e)}`),
          counts,
        },
      );
      // The mutant is a readable host file: nothing of it is "the image's bytes unread".
      if (missed.length > 0) throw new Error(`archive scan called a readable file unread: ${missed[0]}`);
      return `${counts.archiveMembers} members, ${counts.archiveMemberBytes} bytes, ${unknowns} unknowns`;
    },
  },
  {
    name: "container",
    seeds: () => [
      ...existing(
        ...["gpt.qcow2", "gpt-v2.qcow2", "gpt-compressed.qcow2", "mbr-4k.qcow2", "gpt-overlay.qcow2"].map(
          disk,
        ),
        ...["gpt-sparse.vmdk", "gpt-stream.vmdk", "gpt-dynamic.vhd", "gpt-fixed.vhd", "gpt-1m.vhdx"].map(
          disk,
        ),
        path.join(CORPUS, "disk/qcow2/valid-ext-exfat-fat32-ntfs.qcow2"),
        path.join(CORPUS, "disk/vmdk/valid-ext-exfat-fat32-ntfs.vmdk"),
      ),
      ...existing(disk("flat/gpt-flat.vmdk")).map((s) => ({
        ...s,
        companions: [disk("flat/gpt-flat-flat.vmdk")],
      })),
    ],
    regions: async (seed) => [tail(seed, 64 * 1024)],
    asFile: true,
    async run(input) {
      // The file itself, not the mutant's in-memory view: a file has a host descriptor, so the
      // container maps the guest for content threads, and readGuest checks that mapping too.
      const file = await openFileByteSource(input.file);
      try {
        const opened = await openContainer(input.file, file);
        try {
          const read = await readGuest(opened.source);
          const layout = await guarded(() => scanOpenedDisk(input.file, opened));
          return `${read} guest bytes read, ${layout?.volumes.length ?? 0} volumes`;
        } finally {
          await opened.source.close();
        }
      } finally {
        await file.close().catch(() => {});
      }
    },
  },
  {
    name: "partition",
    seeds: () =>
      existing(
        ...["gpt.raw", "mbr.raw", "gpt4k.raw", "gpt-primary-damaged.raw", "gpt-bootcode.raw"].map(disk),
      ),
    regions: partitionRegions,
    async run(input) {
      const source = await input.source();
      try {
        const table = await readPartitionTable(source);
        const types: string[] = [];
        for (const p of table.partitions) {
          if (p.start + p.size > source.size) continue;
          types.push((await sniffVolume(partitionSource(source, p))).type ?? "?");
        }
        return `${table.kind}: ${types.join(",")}`;
      } finally {
        await source.close();
      }
    },
  },
  {
    name: "lvm",
    seeds: () => existing(disk("lvm.raw")),
    regions: partitionRegions,
    async run(input) {
      const source = await input.source();
      try {
        const layout = await scanOpenedDisk("lvm", { format: "raw", detail: "raw", source });
        let read = 0;
        for (const v of layout.volumes.filter((v) => v.lv)) {
          read += (await v.source.read(0, Math.min(4096, v.source.size))).length;
          if (v.source.size >= 4096) read += (await v.source.read(v.source.size - 4096, 4096)).length;
        }
        return `${layout.vgs.length} VGs, ${layout.volumes.length} volumes, ${read} bytes`;
      } finally {
        await source.close();
      }
    },
  },
  {
    // The whole disk probe: container, table, LVM, every filesystem reader built, fstab mounts.
    name: "disk",
    asFile: true,
    // The compressed ones: files in packed runs, which the content threads inflate themselves.
    seeds: () =>
      existing(
        ...["gpt.raw", "mbr.raw", "lvm.raw", "gpt.qcow2", "gpt-compressed.qcow2", "gpt-stream.vmdk"].map(
          disk,
        ),
      ),
    regions: partitionRegions,
    async run(input) {
      const target = await openDiskTarget(input.file);
      if (!target) return "not a disk";
      try {
        let entries = 0;
        for (const root of target.roots) entries += (await readWholeTree(root.image.tree)).entries;
        return `${target.roots.length} roots, ${entries} entries`;
      } finally {
        await target.close();
      }
    },
  },
  filesystemTarget(
    "ntfs",
    async () => openNtfs,
    () => existing(...["ntfs.raw", "wof.ntfs"].map((n) => path.join(FIXTURES, "ntfs", n))),
    async (seed) => {
      // Boot sector: $MFT at cluster 0x30 (u64), $MFTMirr at 0x38; bytes/sector 0x0b, sectors/cluster 0x0d.
      const boot = await seed.read(0, 512);
      const cluster = boot.readUInt16LE(0x0b) * boot[0x0d]!;
      const mft = Number(boot.readBigUInt64LE(0x30)) * cluster;
      const mirror = Number(boot.readBigUInt64LE(0x38)) * cluster;
      return [
        { offset: mft, length: 256 * 1024 }, // the first 256 records: system files, root, early files
        { offset: mirror, length: 4096 },
        tail(seed, 512),
        ...(await wofStreams(seed)),
      ];
    },
  ),
  {
    name: "regf",
    seeds: () => inDir(path.join(seedsDir, "hives")),
    regions: async () => [
      { offset: 0, length: 4096 },
      { offset: 4096, length: 64 * 1024 },
    ],
    async run(input) {
      const source = await input.source();
      try {
        const hive = openHive(await source.read(0, source.size), "hive");
        return `${walkHive(hive.root())} values`;
      } finally {
        await source.close();
      }
    },
  },
  filesystemTarget(
    "ext4",
    () => optionalOpener("src/fs/ext4/index.ts", "openExt4"),
    () =>
      existing(
        ...["hand-ext4.img", "hand-ext3.img", "hand-ext2-1k.img"].map((n) => path.join(FIXTURES, "ext4", n)),
      ),
    async () => [{ offset: 0, length: 4 * MiB }],
  ),
  filesystemTarget(
    "xfs",
    () => optionalOpener("src/fs/xfs/index.ts", "openXfs"),
    () => existing(...["extras-v5.xfs", "extras-v4.xfs"].map((n) => path.join(FIXTURES, "xfs", n))),
    xfsRegions,
  ),
  filesystemTarget(
    "vfat",
    () => optionalOpener("src/fs/vfat/index.ts", "openVfat"),
    () => existing(path.join(seedsDir, "etc.vfat")),
  ),
];

/**
 * Where the first user files' WofCompressedData streams lie (wof.ntfs): chunk tables and XPRESS
 * chunks, which the hand-written decoder must survive; the MFT region never reaches them.
 */
async function wofStreams(seed: ByteSource): Promise<Region[]> {
  const vol = await NtfsVolume.open(seed);
  const regions: Region[] = [];
  for (let record = 64; record < 96; record++) {
    const file = await vol.loadFile(record).catch(() => undefined);
    const stream = file && vol.stream(file, AttrType.data, "WofCompressedData");
    const at = stream?.offsetOf(0) ?? -1;
    if (stream && at >= 0) regions.push({ offset: at, length: stream.size });
  }
  return regions;
}

/**
 * AG headers of every AG, the root inode's chunk, and (from xfs_db, when installed) the inodes,
 * directory blocks and bmap btree blocks of the extras tree: its block, leaf and node directories
 * and its btree-format file are the structures a hand-written reader is likeliest to get wrong, and
 * mutations anywhere else in a 4 TiB seed almost never reach them.
 */
async function xfsRegions(seed: ByteSource, file: string): Promise<Region[]> {
  const sb = await seed.read(0, 512);
  const blockSize = sb.readUInt32BE(4);
  const agBlocks = sb.readUInt32BE(84);
  const agCount = sb.readUInt32BE(88);
  const inodeSize = sb.readUInt16BE(104);
  const inopbLog = sb[123]!;
  const agBlkLog = sb[124]!;
  const regions: Region[] = [];
  for (let ag = 0; ag < Math.min(agCount, 64); ag++)
    regions.push({ offset: ag * agBlocks * blockSize, length: 4 * blockSize });
  const rootIno = sb.readBigUInt64BE(56);
  const agno = Number(rootIno >> BigInt(agBlkLog + inopbLog));
  const agbno = Number((rootIno >> BigInt(inopbLog)) & ((1n << BigInt(agBlkLog)) - 1n));
  const root =
    (agno * agBlocks + agbno) * blockSize + Number(rootIno & ((1n << BigInt(inopbLog)) - 1n)) * inodeSize;
  regions.push({ offset: root, length: 64 * 1024 });
  const block = (ag: number, bno: number) => (ag * agBlocks + bno) * blockSize;
  for (const name of XFS_EXTRAS) {
    const directory = !name.includes(".");
    const out = xfsDb(file, [`path ${name}`, "stack", ...(directory ? ["bmap"] : []), "print"]);
    const inode = /byte offset (\d+), length/.exec(out);
    if (inode) regions.push({ offset: Math.floor(Number(inode[1]) / 8192) * 8192, length: 8192 });
    // A directory's blocks: its leaf and free blocks (past 32 GiB in the fork) and a few data blocks.
    let data = 0;
    for (const m of out.matchAll(/offset (\d+) startblock \d+ \((\d+)\/(\d+)\) count (\d+)/g)) {
      const leaf = Number(m[1]) * blockSize >= 32 * 2 ** 30;
      if (!leaf && data++ >= 8) continue;
      regions.push({
        offset: block(Number(m[2]), Number(m[3])),
        length: Math.min(Number(m[4]), 16) * blockSize,
      });
    }
    const ptrs = /bmbt\.ptrs\[[^\]]*\] = (.*)/.exec(out);
    for (const m of ptrs?.[1]?.matchAll(/\d+:(\d+)/g) ?? []) {
      const fsb = Number(m[1]);
      regions.push({
        offset: block(Math.floor(fsb / 2 ** agBlkLog), fsb % 2 ** agBlkLog),
        length: blockSize,
      });
    }
  }
  return regions;
}

/** The extras tree's paths whose metadata xfsRegions adds (fixtures/xfs-images.sh). */
const XFS_EXTRAS = [
  "/big",
  "/leaf",
  "/block",
  "/short",
  "/deep",
  "/frag.bin",
  "/sparse.bin",
  "/long-symlink",
  "/max-symlink",
];

/** xfs_db's read-only output for these commands, or "" where it is not installed or fails. */
function xfsDb(file: string, commands: string[]): string {
  try {
    return execFileSync("xfs_db", ["-r", ...commands.flatMap((c) => ["-c", c]), file], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    return "";
  }
}

export async function openSeed(seed: Seed): Promise<ByteSource> {
  return openFileByteSource(seed.path);
}

export async function linkCompanions(seed: Seed, dir: string): Promise<void> {
  for (const c of seed.companions ?? []) {
    const link = path.join(dir, path.basename(c));
    if (!existsSync(link)) await fsp.symlink(c, link);
  }
}
