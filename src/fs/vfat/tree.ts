import { Readable } from "node:stream";
import type { ByteSource } from "../../io/bytes.js";
import { FsError, ImageFormatError } from "../../io/errors.js";
import type { DirEntry, FileStat, FileTree } from "../filetree.js";
import { splitImagePath } from "../path.js";
import { readBootSector } from "./boot.js";
import { type FatEntry, parseDirectory, readDirectoryChain } from "./dir.js";
import { FatTable } from "./fat.js";

const DIR_CACHE = 64;
const READ_CHUNK = 1 << 20;
/** Identity of files: past every cluster number, so directories (by cluster) and files never collide. */
const FILE_INO_BASE = 2 ** 28;
const ROOT: FatEntry = {
  name: "",
  directory: true,
  readOnly: false,
  hidden: false,
  firstCluster: 0,
  size: 0,
  mtimeMs: 0,
  offset: 0,
};

/**
 * A FAT12/16/32 volume (with VFAT long names) as a FileTree. FAT has no owners or permissions:
 * like a Linux mount with default options, everything is uid/gid 0, directories 0755, files 0644
 * (0444 when read-only). Lookups fall back to a case-insensitive match, as the vfat driver does.
 */
export class VfatTree implements FileTree {
  readonly description: string;
  private readonly dirs = new Map<number, Map<string, FatEntry>>();

  constructor(readonly fat: FatTable) {
    this.description = `${fat.geo.kind} filesystem in ${fat.source.description}`;
  }

  private async entries(dir: FatEntry): Promise<Map<string, FatEntry>> {
    const key = dir === ROOT ? -1 : dir.firstCluster;
    let map = this.dirs.get(key);
    if (map) return map;
    const { geo, source } = this.fat;
    let list: FatEntry[];
    if (dir === ROOT && geo.kind !== "FAT32") {
      const b = await source.read(geo.rootDirOffset, geo.rootEntries * 32);
      list = parseDirectory(b, geo.rootDirOffset, source.description);
    } else {
      const first = dir === ROOT ? geo.rootCluster : dir.firstCluster;
      list = await readDirectoryChain(this.fat, first, `directory ${dir.name || "/"}`);
    }
    map = new Map();
    for (const e of list) if (!map.has(e.name)) map.set(e.name, e);
    if (this.dirs.size >= DIR_CACHE) this.dirs.delete(this.dirs.keys().next().value as number);
    this.dirs.set(key, map);
    return map;
  }

  private async lookup(path: string): Promise<FatEntry> {
    let entry = ROOT;
    let here = "";
    for (const name of splitImagePath(path)) {
      if (!entry.directory) throw new FsError("ENOTDIR", here || "/");
      const map = await this.entries(entry);
      here = `${here}/${name}`;
      let next = map.get(name);
      if (!next) {
        const folded = name.toLowerCase();
        for (const [k, v] of map) if (k.toLowerCase() === folded) next = v;
      }
      if (!next) throw new FsError("ENOENT", here);
      if (next.directory && !this.fat.valid(next.firstCluster))
        throw new ImageFormatError(
          this.fat.source.description,
          `FAT directory entry ${here}`,
          next.offset,
          "a directory with a valid first cluster",
        );
      entry = next;
    }
    return entry;
  }

  async lstat(path: string): Promise<FileStat> {
    const e = await this.lookup(path);
    return {
      type: e.directory ? "directory" : "file",
      mode: e.directory ? 0o755 : e.readOnly ? 0o444 : 0o644,
      uid: 0,
      gid: 0,
      size: e.directory ? 0 : e.size,
      mtimeMs: e.mtimeMs,
      ino: e === ROOT ? 1 : e.directory ? e.firstCluster : FILE_INO_BASE + e.offset / 32,
      nlink: 1,
    };
  }

  async readdir(path: string): Promise<DirEntry[]> {
    const e = await this.lookup(path);
    if (!e.directory) throw new FsError("ENOTDIR", path);
    return [...(await this.entries(e)).values()].map((x) => ({
      name: x.name,
      type: x.directory ? "directory" : "file",
    }));
  }

  async readlink(path: string): Promise<string> {
    await this.lookup(path);
    throw new FsError("EINVAL", path, "FAT has no symbolic links");
  }

  async readFile(path: string, options: { maxBytes: number }): Promise<Buffer> {
    const e = await this.file(path);
    if (e.size > options.maxBytes) throw new FsError("EFBIG", path, `${e.size} bytes`);
    const parts: Buffer[] = [];
    for await (const c of this.range(e, path, 0, e.size)) parts.push(c);
    return Buffer.concat(parts);
  }

  createReadStream(path: string, options: { start?: number; end?: number } = {}): Readable {
    const self = this;
    async function* chunks(): AsyncGenerator<Buffer> {
      const e = await self.file(path);
      yield* self.range(e, path, options.start ?? 0, Math.min(options.end ?? e.size, e.size));
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  private async file(path: string): Promise<FatEntry> {
    const e = await this.lookup(path);
    if (e.directory) throw new FsError("EISDIR", path);
    return e;
  }

  /** Bytes [start, end) of a file: its chain must hold exactly ceil(size / cluster) clusters. */
  private async *range(e: FatEntry, path: string, start: number, end: number): AsyncGenerator<Buffer> {
    if (start >= end) return;
    const cs = this.fat.geo.clusterSize;
    const clusters = await this.fat.chain(e.firstCluster, Math.ceil(e.size / cs), path, true);
    let pos = start;
    while (pos < end) {
      const index = Math.floor(pos / cs);
      // Extend over physically consecutive clusters, up to 1 MiB per read.
      let run = 1;
      while (
        index + run < clusters.length &&
        (clusters[index + run] as number) === (clusters[index] as number) + run &&
        run * cs < READ_CHUNK
      )
        run++;
      const runEnd = Math.min(end, (index + run) * cs);
      const offset = this.fat.clusterOffset(clusters[index] as number) + (pos - index * cs);
      yield await this.fat.source.read(offset, runEnd - pos);
      pos = runEnd;
    }
  }

  async close(): Promise<void> {}
}

/** Opens a FAT12/16/32 volume (the ByteSource stays owned by the caller). */
export async function openVfat(source: ByteSource): Promise<VfatTree> {
  return new VfatTree(new FatTable(source, await readBootSector(source)));
}
