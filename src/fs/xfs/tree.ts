import { Readable } from "node:stream";
import { type ByteSource, hostRunsOf } from "../../io/bytes.js";
import { FsError } from "../../io/errors.js";
import { Lru } from "../../io/lru.js";
import type { DirEntry, EntryStat, FileStat, FileTree, HostExtents } from "../filetree.js";
import { wholeFileBuffer } from "../filetree.js";
import { splitImagePath } from "../path.js";
import { readFileInto, readFileRange, readSymlink, volumeRuns } from "./data.js";
import { readDirectory, type XfsDirEntry } from "./dir.js";
import { readInode, type XfsInode } from "./inode.js";
import { readSuperblock } from "./superblock.js";
import { XfsVolume } from "./volume.js";

const INODE_CACHE = 4096;
const DIR_CACHE = 64;

/** A read-only XFS (v4 and v5) filesystem as a FileTree. */
export class XfsTree implements FileTree {
  readonly description: string;
  private readonly inodes = new Lru<number, XfsInode>(INODE_CACHE);
  private readonly dirs = new Lru<number, Map<string, XfsDirEntry>>(DIR_CACHE);

  constructor(readonly volume: XfsVolume) {
    this.description = `XFS v${volume.sb.version} filesystem in ${volume.source.description}`;
  }

  async inode(ino: number): Promise<XfsInode> {
    let inode = this.inodes.get(ino);
    if (!inode) {
      inode = await readInode(this.volume, ino);
      this.inodes.set(ino, inode);
    }
    return inode;
  }

  private async entries(dir: XfsInode): Promise<Map<string, XfsDirEntry>> {
    let map = this.dirs.get(dir.ino);
    if (!map) {
      map = await readDirectory(this.volume, dir);
      this.dirs.set(dir.ino, map);
    }
    return map;
  }

  /** The inode at a canonical path; every component but the last must be a directory. */
  async lookup(path: string): Promise<XfsInode> {
    let inode = await this.inode(this.volume.sb.rootIno);
    let here = "";
    for (const name of splitImagePath(path)) {
      if (inode.type !== "directory") throw new FsError("ENOTDIR", here || "/");
      const entry = (await this.entries(inode)).get(name);
      here = `${here}/${name}`;
      if (!entry) throw new FsError("ENOENT", here);
      inode = await this.inode(entry.ino);
    }
    return inode;
  }

  async lstat(path: string): Promise<FileStat> {
    return statOf(await this.lookup(path));
  }

  /**
   * The entries with their inodes read by number, as lstat of each would give them: a walk
   * without it looked every entry up again from the root (Amazon Linux and RHEL roots are XFS).
   */
  async readdirStats(path: string): Promise<EntryStat[]> {
    const dir = await this.lookup(path);
    if (dir.type !== "directory") throw new FsError("ENOTDIR", path);
    const out: EntryStat[] = [];
    for (const [name, e] of await this.entries(dir)) {
      try {
        out.push({ name, stat: statOf(await this.inode(e.ino)) });
      } catch (error) {
        // As readdir: without file types in the directory the listing itself needs each inode.
        if (e.type === undefined) throw error;
        out.push({ name, error });
      }
    }
    return out;
  }

  async readdir(path: string): Promise<DirEntry[]> {
    const dir = await this.lookup(path);
    if (dir.type !== "directory") throw new FsError("ENOTDIR", path);
    const out: DirEntry[] = [];
    for (const [name, e] of await this.entries(dir))
      out.push({ name, type: e.type ?? (await this.inode(e.ino)).type });
    return out;
  }

  async readlink(path: string): Promise<string> {
    const i = await this.lookup(path);
    if (i.type !== "symlink") throw new FsError("EINVAL", path, "not a symbolic link");
    return readSymlink(this.volume, i);
  }

  /** Into `scratch` when the file fits (a pass over many files then makes no buffer per file). */
  async readFile(path: string, options: { maxBytes: number; scratch?: Buffer }): Promise<Buffer> {
    const i = await this.regular(path);
    if (i.size > options.maxBytes) throw new FsError("EFBIG", path, `${i.size} bytes`);
    const out = wholeFileBuffer(i.size, options.scratch);
    await readFileInto(this.volume, i, out);
    return out;
  }

  async hostExtents(path: string, ino?: number): Promise<HostExtents | undefined> {
    const source = this.volume.source;
    if (!source.hostFile && !source.hostMap) return undefined;
    // By number when the walk gave it: no lookup from the root again.
    const inode = regularInode(path, ino === undefined ? await this.lookup(path) : await this.inode(ino));
    const runs = await volumeRuns(this.volume, inode);
    const host = runs && (await hostRunsOf(source, runs));
    return host && { ...host, size: inode.size };
  }

  createReadStream(path: string, options: { start?: number; end?: number } = {}): Readable {
    const self = this;
    async function* chunks(): AsyncGenerator<Buffer> {
      const i = await self.regular(path);
      yield* readFileRange(self.volume, i, options.start ?? 0, options.end ?? i.size);
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  private async regular(path: string): Promise<XfsInode> {
    return regularInode(path, await this.lookup(path));
  }

  async close(): Promise<void> {}
}

function statOf(i: XfsInode): FileStat {
  return {
    type: i.type,
    mode: i.mode & 0o7777,
    uid: i.uid,
    gid: i.gid,
    size: i.size,
    mtimeMs: i.mtimeMs,
    ino: i.ino,
    nlink: i.nlink,
  };
}

/** Opens an XFS filesystem (the ByteSource stays owned by the caller). */
export async function openXfs(source: ByteSource): Promise<XfsTree> {
  const sb = await readSuperblock(source);
  const tree = new XfsTree(new XfsVolume(source, sb));
  const root = await tree.inode(sb.rootIno);
  if (root.type !== "directory")
    throw tree.volume.error("XFS root inode", root.offset, `a directory (got ${root.type})`);
  return tree;
}

/** `i`, the inode at `path`, when it is a regular file. */
function regularInode(path: string, i: XfsInode): XfsInode {
  if (i.type === "directory") throw new FsError("EISDIR", path);
  if (i.type !== "file") throw new FsError("EINVAL", path, `not a regular file (${i.type})`);
  return i;
}
