import { Readable } from "node:stream";
import { type ByteSource, type HostRuns, hostRunsOf } from "../../io/bytes.js";
import { FsError, ImageFormatError } from "../../io/errors.js";
import type { DirEntry, EntryStat, FileStat, FileTree, HostExtents } from "../filetree.js";
import { splitImagePath } from "../path.js";
import { checkSize, readAll, readAllInto, readData, readSymlink, volumeRuns } from "./data.js";
import { type Dirent, readDirectory } from "./dir.js";
import { CASEFOLD_FL, checkInodeNumber, ENCRYPT_FL, type Inode, readInode } from "./inode.js";
import { hasExtMagic, INCOMPAT, parseSuperblock, SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE } from "./superblock.js";
import { cachedLoad, Lru, Volume } from "./volume.js";

const ROOT_INO = 2;
/**
 * Parsed directories kept for path lookups (a walk touches each parent many times in a row), and
 * inodes. Small on purpose: passes over the file index go in walk order, so a parent's lookups
 * come together; every entry the caches held a little longer was one more object for the GC to
 * promote and sweep (4096 inodes and 256 directories cost ~25 MB of peak RSS at 300 k files and
 * bought no speed).
 */
const DIR_CACHE = 64;
const INODE_CACHE = 1024;

/** True when `source` has the ext2/3/4 magic at 1024+56 (probe for the disk helper). */
export async function isExt(source: ByteSource): Promise<boolean> {
  if (source.size < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE) return false;
  const head = await source.read(0, SUPERBLOCK_OFFSET + 0x3a);
  return hasExtMagic(head);
}

/** Opens an ext2/ext3/ext4 filesystem read-only. Throws ImageFormatError when it is not one we read. */
export async function openExt4(source: ByteSource): Promise<FileTree> {
  if (source.size < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE)
    throw new ImageFormatError(
      source.description,
      "ext superblock",
      SUPERBLOCK_OFFSET,
      "an image of at least 2048 bytes",
    );
  const sb = parseSuperblock(
    await source.read(SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE),
    source.description,
    source.size,
  );
  const tree = new Ext4Tree(new Volume(source, sb));
  const root = await tree.inode(ROOT_INO, SUPERBLOCK_OFFSET);
  if (root.type !== "directory")
    throw new ImageFormatError(source.description, "ext root inode 2", root.offset, "a directory");
  return tree;
}

/** A FileTree over an ext filesystem: paths are looked up from inode 2 through parsed directories. */
export class Ext4Tree implements FileTree {
  readonly description: string;
  private readonly dirs = new Lru<number, Map<string, Dirent> | Promise<Map<string, Dirent>>>(DIR_CACHE);
  /** Inodes read, and those being read: a walk's lookups and stats of one entry share a read. */
  private readonly inodes = new Lru<number, Inode | Promise<Inode>>(INODE_CACHE);
  /**
   * Directories by canonical path: a walk lstats every entry of a directory in a row, and each
   * lookup went down from the root again, two awaits per component.
   */
  private readonly dirsByPath = new Lru<string, Inode>(DIR_CACHE);
  /** Casefolded directories' entries by folded name, the first in directory order for each. */
  private readonly folded = new Lru<number, Map<string, Dirent>>(DIR_CACHE);
  private readonly casefold: boolean;
  /** Entries whose name an earlier entry of the same directory has, by directory (rare: damage). */
  private readonly duplicates = new Map<number, Dirent[]>();

  constructor(readonly vol: Volume) {
    this.description = `ext filesystem ${vol.file}${vol.sb.volumeName ? ` (${vol.sb.volumeName})` : ""}`;
    this.casefold = (vol.sb.incompat & INCOMPAT.CASEFOLD) !== 0;
  }

  /**
   * The entry `name` of `dir`. In a casefolded directory the kernel matches names without case
   * (the first match in directory order), so sshd reads a file stored as SSHD_CONFIG when it opens
   * sshd_config: an exact match here would report it absent and judge the defaults instead.
   */
  private async entry(dir: Inode, dirPath: string, name: string): Promise<Dirent | undefined> {
    if (dir.flags & ENCRYPT_FL) throw noKey(dirPath);
    const entries = await this.entries(dir);
    if (!this.casefold || !(dir.flags & CASEFOLD_FL)) return entries.get(name);
    let byFold = this.folded.get(dir.ino);
    if (!byFold) {
      byFold = new Map();
      for (const [n, e] of entries) if (!byFold.has(foldName(n))) byFold.set(foldName(n), e);
      this.folded.set(dir.ino, byFold);
    }
    return byFold.get(foldName(name));
  }

  /** Inode `ino`, found at byte `where`: at once when it is cached or its table block is. */
  inode(ino: number, where: number): Inode | Promise<Inode> {
    // The number is checked per caller (the error names where this caller found it).
    checkInodeNumber(this.vol, ino, where);
    return cachedLoad(this.inodes, ino, () => readInode(this.vol, ino, where));
  }

  /**
   * A directory's entries by name. A name given twice (damage, or crafted: the kernel never writes
   * it) is the first one, which the kernel's lookup opens; the later ones are kept aside so a
   * listing can report them instead of reading one in the first one's place.
   */
  private entries(dir: Inode): Map<string, Dirent> | Promise<Map<string, Dirent>> {
    return cachedLoad(this.dirs, dir.ino, async () => {
      const map = new Map<string, Dirent>();
      const again: Dirent[] = [];
      for (const e of await readDirectory(this.vol, dir)) {
        if (map.has(e.name)) again.push(e);
        else map.set(e.name, e);
      }
      if (again.length > 0) this.duplicates.set(dir.ino, again);
      return map;
    });
  }

  /** The inode at a canonical path; intermediate components must be directories (no symlinks). */
  private async lookup(path: string): Promise<Inode> {
    if (path === "/") return this.inode(ROOT_INO, SUPERBLOCK_OFFSET);
    const known = this.dirsByPath.get(path);
    if (known) return known;
    const cut = path.lastIndexOf("/");
    const parentPath = cut === 0 ? "/" : path.slice(0, cut);
    const parent = this.dirsByPath.get(parentPath) ?? (await this.descend(parentPath));
    if (parent.type !== "directory") throw new FsError("ENOTDIR", parentPath);
    const entry = await this.entry(parent, parentPath, path.slice(cut + 1));
    if (!entry) throw new FsError("ENOENT", path);
    const inode = await this.inode(entry.ino, parent.offset);
    // A walk lists a directory right after finding it: its children's lookups start here.
    if (inode.type === "directory") this.dirsByPath.set(path, inode);
    return inode;
  }

  /**
   * lookup without the directory cache: component by component from the root, keeping each
   * directory passed (its siblings' and children's lookups then start there).
   */
  private async descend(path: string): Promise<Inode> {
    let current = await this.inode(ROOT_INO, SUPERBLOCK_OFFSET);
    let walked = "";
    for (const name of splitImagePath(path)) {
      if (current.type !== "directory") throw new FsError("ENOTDIR", walked || "/");
      const entry = await this.entry(current, walked || "/", name);
      walked += `/${name}`;
      if (!entry) throw new FsError("ENOENT", walked);
      current = await this.inode(entry.ino, current.offset);
      if (current.type === "directory") this.dirsByPath.set(walked, current);
    }
    return current;
  }

  async lstat(path: string): Promise<FileStat> {
    return statOf(await this.lookup(path));
  }

  async readdir(path: string): Promise<DirEntry[]> {
    const dir = await this.lookup(path);
    if (dir.type !== "directory") throw new FsError("ENOTDIR", path);
    if (dir.flags & ENCRYPT_FL) throw noKey(path);
    const out: DirEntry[] = [];
    for (const e of (await this.entries(dir)).values()) {
      out.push({ name: e.name, type: e.type ?? (await this.inode(e.ino, dir.offset)).type });
    }
    return out;
  }

  async readdirStats(path: string): Promise<EntryStat[]> {
    const dir = await this.lookup(path);
    if (dir.type !== "directory") throw new FsError("ENOTDIR", path);
    if (dir.flags & ENCRYPT_FL) throw noKey(path);
    const out: EntryStat[] = [];
    for (const e of (await this.entries(dir)).values()) {
      try {
        const read = this.inode(e.ino, dir.offset);
        // No await for an inode at hand: one per entry was most of a listing's cost.
        out.push({ name: e.name, stat: statOf(read instanceof Promise ? await read : read) });
      } catch (error) {
        // As readdir: without dirent file types the listing itself needs each inode.
        if (e.type === undefined) throw error;
        out.push({ name: e.name, error });
      }
    }
    for (const e of this.duplicates.get(dir.ino) ?? [])
      out.push({
        name: e.name,
        error: this.vol.error(
          `ext directory ${dir.ino}`,
          dir.offset,
          `one entry named ${JSON.stringify(e.name)} (another, inode ${e.ino}, is not read: the kernel opens the first)`,
        ),
      });
    return out;
  }

  async readlink(path: string): Promise<string> {
    const inode = await this.lookup(path);
    if (inode.type !== "symlink") throw new FsError("EINVAL", path, "not a symlink");
    if (inode.flags & ENCRYPT_FL) throw noKey(path);
    return (await readSymlink(this.vol, inode)).toString("utf8");
  }

  private async regular(path: string): Promise<Inode> {
    return regularInode(this.vol, path, await this.lookup(path));
  }

  async readFile(path: string, options: { maxBytes: number; scratch?: Buffer }): Promise<Buffer> {
    const inode = await this.regular(path);
    if (inode.size > options.maxBytes)
      throw new FsError("EFBIG", path, `${inode.size} bytes > ${options.maxBytes}`);
    return options.scratch ? readAllInto(this.vol, inode, options.scratch) : readAll(this.vol, inode);
  }

  hostExtents(path: string, ino?: number): HostExtents | undefined | Promise<HostExtents | undefined> {
    const source = this.vol.source;
    if (!source.hostFile && !source.hostMap) return undefined;
    // By number when the walk gave it: a lookup by path was a fifth of the main thread's allocation.
    const known = ino === undefined ? undefined : this.inode(ino, -1);
    if (known === undefined || known instanceof Promise) return this.hostExtentsLater(path, known);
    // At once when the inode, its runs and their place in the host file are at hand (a raw disk).
    const inode = regularInode(this.vol, path, known);
    const runs = volumeRuns(this.vol, inode);
    if (runs instanceof Promise) return this.hostExtentsLater(path, inode, runs);
    const host = runs && hostRunsOf(source, runs);
    if (host instanceof Promise) return this.hostExtentsLater(path, inode, runs, host);
    return host && { ...host, size: inode.size };
  }

  /** hostExtents from where it had to wait: the inode, its runs, or their host runs. */
  private async hostExtentsLater(
    path: string,
    known: Inode | Promise<Inode> | undefined,
    runsRead?: number[] | undefined | Promise<number[] | undefined>,
    hostRead?: Promise<HostRuns | undefined>,
  ): Promise<HostExtents | undefined> {
    const inode = known === undefined ? await this.regular(path) : regularInode(this.vol, path, await known);
    const runs = await (runsRead ?? volumeRuns(this.vol, inode));
    const host = runs && (await (hostRead ?? hostRunsOf(this.vol.source, runs)));
    return host && { ...host, size: inode.size };
  }

  createReadStream(path: string, options: { start?: number; end?: number } = {}): Readable {
    const self = this;
    async function* bytes(): AsyncGenerator<Buffer> {
      const inode = await self.regular(path);
      yield* readData(self.vol, inode, options.start ?? 0, options.end);
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  /** Drops the caches; the ByteSource belongs to whoever opened it and stays open. */
  async close(): Promise<void> {
    this.dirs.clear();
    this.inodes.clear();
    this.dirsByPath.clear();
    this.folded.clear();
    this.duplicates.clear();
  }
}

/**
 * An fscrypt-encrypted inode: its names or bytes are ciphertext until its user's key is added (at
 * login, on the instance). Read as they are, they would be scanned as noise and pass; an error
 * makes the scan list the path among what it could not read.
 */
function noKey(path: string): FsError {
  return new FsError("ENOKEY", path, "encrypted with fscrypt: unreadable without its key");
}

/**
 * A name as a casefolded ext4 directory compares it: canonically decomposed (NFD), then case-folded
 * (the kernel's utf8 casefold; upper- then lower-casing gives the full folding, "ß" as "ss").
 */
export function foldName(name: string): string {
  return name.normalize("NFD").toUpperCase().toLowerCase();
}

/** `inode`, the one at `path`, when it is a regular file of a size its mapping can address. */
function regularInode(vol: Volume, path: string, inode: Inode): Inode {
  if (inode.type === "directory") throw new FsError("EISDIR", path);
  if (inode.type !== "file") throw new FsError("EINVAL", path, `not a regular file (${inode.type})`);
  if (inode.flags & ENCRYPT_FL) throw noKey(path);
  checkSize(vol, inode);
  return inode;
}

function statOf(inode: Inode): FileStat {
  return {
    type: inode.type,
    mode: inode.mode & 0o7777,
    uid: inode.uid,
    gid: inode.gid,
    size: inode.size,
    mtimeMs: inode.mtimeMs,
    ino: inode.ino,
    nlink: inode.links,
  };
}
