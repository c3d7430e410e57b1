import type { Readable } from "node:stream";
import { FsError } from "../io/errors.js";
import { mapConcurrent } from "./concurrent.js";
import type { DirEntry, FileStat, FileTree, WalkEntry } from "./filetree.js";
import { joinImagePath, normalizeImagePath, parentOf, splitImagePath } from "./path.js";

/** Linux gives up after 40 links (MAXSYMLINKS); so do we. */
const MAX_SYMLINKS = 40;
const MAX_WALK_DEPTH = 256;
const WALK_CONCURRENCY = 16;
const MAX_KNOWN_DIRS = 200_000;
/** Default bound for whole-file reads of configuration files. */
export const DEFAULT_MAX_READ = 16 * 1024 * 1024;
/** withFile's lent buffers: most files inspectors parse fit (dpkg's lists, configuration). */
const SCRATCH_BYTES = 64 * 1024;
/** withFile's buffers kept for reuse: as many as reads in flight (mapConcurrent's 16 at most). */
const SPARE_SCRATCH = 16;

/** Directories that hold no image content on any OS we scan (kernel pseudo-filesystems). */
export const PSEUDO_FILESYSTEMS = ["/proc", "/sys", "/dev"];

export interface WalkOptions {
  /** Return true to leave a directory (and everything below it) out of the walk. */
  skipDirectory?: (path: string) => boolean;
  /** Called for directories that could not be listed; the walk goes on. */
  onError?: (path: string, error: unknown) => void;
  /**
   * Directories walked before their siblings, in the order given, wherever the walk meets them;
   * the rest keep name order. The walk yields the same entries in another order.
   */
  first?: readonly string[];
}

/**
 * An image's root filesystem as the OS inside it sees it: symlinks are followed *inside the
 * image* (an absolute target "/etc/x" means the image's /etc/x), ".." never climbs above the root,
 * and loops end in ELOOP. Everything that inspects an image goes through this.
 */
/**
 * A directory the walk reached again by another path (a hard-linked directory in a damaged tree):
 * it was walked where first seen, so nothing under it goes unread.
 */
export class DirectoryCycleError extends FsError {
  constructor(path: string) {
    super("ELOOP", path, "directory cycle");
  }
}

export class Image {
  /**
   * Canonical paths already seen (by lstat) to be directories. Trees are read-only, so a
   * directory stays one; resolving /usr/share/doc/x/y then needs no lstat per component, which
   * on a host directory halves the syscalls of a scan. Bounded so a huge image cannot grow it.
   */
  private readonly knownDirs = new Set<string>(["/"]);
  /** Buffers for withFile, one per read in flight. */
  private readonly spareScratch: Buffer[] = [];

  constructor(readonly tree: FileTree) {}

  private rememberDirectory(path: string): void {
    if (this.knownDirs.size < MAX_KNOWN_DIRS) this.knownDirs.add(path);
  }

  get description(): string {
    return this.tree.description;
  }

  /**
   * Resolves `path` to a canonical path with no symlinks in it. With `followFinal` false the last
   * component is left as is (lstat semantics). Throws ENOENT/ENOTDIR/ELOOP.
   */
  async resolve(path: string, followFinal = true): Promise<string> {
    return (await this.resolveWithStat(path, followFinal)).path;
  }

  /**
   * resolve, plus the lstat of the final component when resolving had to make it (callers that
   * need the stat then do not make a second one).
   */
  private async resolveWithStat(
    path: string,
    followFinal: boolean,
  ): Promise<{ path: string; st?: FileStat }> {
    let pending = splitImagePath(normalizeImagePath(path));
    let current = "/";
    let links = 0;
    let st: FileStat | undefined;
    while (pending.length > 0) {
      const [name, ...rest] = pending as [string, ...string[]];
      pending = rest;
      st = undefined;
      if (name === ".") continue;
      if (name === "..") {
        current = parentOf(current);
        continue;
      }
      const candidate = joinImagePath(current, name);
      if (this.knownDirs.has(candidate)) {
        current = candidate;
        continue;
      }
      st = await this.tree.lstat(candidate);
      const isLast = pending.length === 0;
      if (st.type === "symlink" && (!isLast || followFinal)) {
        if (++links > MAX_SYMLINKS)
          throw new FsError("ELOOP", normalizeImagePath(path), "too many symbolic links");
        // The kernel follows a link's target as a C string: up to its first NUL. Read whole,
        // "/opt/real\0/x" would look absent here while the instance opens /opt/real.
        const stored = await this.tree.readlink(candidate);
        const nul = stored.indexOf("\0");
        const target = nul < 0 ? stored : stored.slice(0, nul);
        if (target.startsWith("/")) current = "/";
        pending = [...target.split("/").filter((p) => p !== ""), ...pending];
        st = undefined;
        continue;
      }
      if (st.type === "directory") this.rememberDirectory(candidate);
      else if (!isLast) throw new FsError("ENOTDIR", candidate);
      current = candidate;
    }
    return st ? { path: current, st } : { path: current };
  }

  private async statOf(path: string, followFinal: boolean): Promise<{ path: string; st: FileStat }> {
    const r = await this.resolveWithStat(path, followFinal);
    return { path: r.path, st: r.st ?? (await this.tree.lstat(r.path)) };
  }

  async lstat(path: string): Promise<FileStat> {
    return (await this.statOf(path, false)).st;
  }

  async stat(path: string): Promise<FileStat> {
    return (await this.statOf(path, true)).st;
  }

  /** stat, or undefined when the path does not exist (or cannot be resolved). */
  async statIfExists(path: string): Promise<FileStat | undefined> {
    try {
      return await this.stat(path);
    } catch (e) {
      if (e instanceof FsError && (e.code === "ENOENT" || e.code === "ENOTDIR" || e.code === "ELOOP"))
        return undefined;
      throw e;
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.statIfExists(path)) !== undefined;
  }

  async readdir(path: string): Promise<DirEntry[]> {
    return this.tree.readdir(await this.resolve(path, true));
  }

  async readlink(path: string): Promise<string> {
    return this.tree.readlink(await this.resolve(path, false));
  }

  /** Reads a regular file (following symlinks inside the image), bounded by `maxBytes`. */
  async readFile(path: string, maxBytes = DEFAULT_MAX_READ): Promise<Buffer> {
    return this.tree.readFile(await this.regularFile(path), { maxBytes });
  }

  /**
   * `use` applied to a regular file's bytes (as readFile reads them), which may lie in a buffer lent
   * for that call only: `use` must not keep them. Inspectors read hundreds of small files to parse
   * and drop (dpkg's lists, files checked for a signature), and a fresh buffer per file made each
   * read several times slower than one into a reused buffer (fresh pages, then the GC).
   */
  async withFile<T>(path: string, maxBytes: number, use: (bytes: Buffer) => T): Promise<T> {
    const real = await this.regularFile(path);
    const scratch = this.spareScratch.pop() ?? Buffer.allocUnsafe(SCRATCH_BYTES);
    try {
      return use(await this.tree.readFile(real, { maxBytes, scratch }));
    } finally {
      if (this.spareScratch.length < SPARE_SCRATCH) this.spareScratch.push(scratch);
    }
  }

  async readText(path: string, maxBytes = DEFAULT_MAX_READ): Promise<string> {
    return this.withFile(path, maxBytes, (bytes) => bytes.toString("utf8"));
  }

  /** `path` resolved inside the image (symlinks followed), when it is a regular file. */
  private async regularFile(path: string): Promise<string> {
    const { path: real, st } = await this.statOf(path, true);
    if (st.type === "directory") throw new FsError("EISDIR", real);
    if (st.type !== "file") throw new FsError("EINVAL", real, `not a regular file (${st.type})`);
    return real;
  }

  /** The text of a file, or undefined when it does not exist. Other errors propagate. */
  async readTextIfExists(path: string, maxBytes = DEFAULT_MAX_READ): Promise<string | undefined> {
    try {
      return await this.readText(path, maxBytes);
    } catch (e) {
      if (e instanceof FsError && (e.code === "ENOENT" || e.code === "ENOTDIR" || e.code === "ELOOP"))
        return undefined;
      throw e;
    }
  }

  async createReadStream(path: string, options?: { start?: number; end?: number }): Promise<Readable> {
    return this.tree.createReadStream(await this.resolve(path, true), options);
  }

  /**
   * Walks the tree below `root` depth-first without following symlinks, yielding every entry
   * (not `root` itself). Directories seen twice (by filesystem and inode: hard-linked directories
   * in a damaged filesystem) are walked once; depth is bounded.
   */
  async *walk(root = "/", options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
    const start = await this.resolve(root, true);
    const seenDirs = new Set<string>();
    const first = options.first ?? [];
    const stack: Array<{ path: string; depth: number }> = [{ path: start, depth: 0 }];
    while (stack.length > 0) {
      const { path, depth } = stack.pop()!;
      let stats: Array<{ child: string; st?: FileStat; error?: unknown }>;
      try {
        stats = await this.listWithStats(path);
      } catch (e) {
        options.onError?.(path, e);
        continue;
      }
      const dirs: Array<{ path: string; depth: number }> = [];
      for (const { child, st, error } of stats) {
        if (!st) {
          options.onError?.(child, error);
          continue;
        }
        yield { path: child, stat: st };
        if (st.type !== "directory") continue;
        this.rememberDirectory(child);
        if (options.skipDirectory?.(child)) continue;
        if (st.ino !== undefined) {
          const id = `${st.dev ?? 0}:${st.ino}`;
          if (seenDirs.has(id)) {
            options.onError?.(child, new DirectoryCycleError(child));
            continue;
          }
          seenDirs.add(id);
        }
        if (depth + 1 >= MAX_WALK_DEPTH) {
          options.onError?.(child, new FsError("ELOOP", child, "directory tree too deep"));
          continue;
        }
        dirs.push({ path: child, depth: depth + 1 });
      }
      if (first.length > 0) frontFirst(dirs, first);
      for (let i = dirs.length - 1; i >= 0; i--) stack.push(dirs[i]!);
    }
  }

  /**
   * The entries of directory `path` in name order, each with its lstat or the error of it. Throws
   * when the directory cannot be listed.
   */
  private async listWithStats(
    path: string,
  ): Promise<Array<{ child: string; st?: FileStat; error?: unknown }>> {
    // Descending, then reversed: the walk's order since it was first written (equal names keep it).
    const byName = (a: { name: string }, b: { name: string }) =>
      a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
    if (this.tree.readdirStats) {
      const listed = (await this.tree.readdirStats(path)).sort(byName).reverse();
      return listed.map((e) =>
        "stat" in e
          ? { child: joinImagePath(path, e.name), st: e.stat }
          : { child: joinImagePath(path, e.name), error: e.error },
      );
    }
    const entries = (await this.tree.readdir(path)).sort(byName).reverse();
    // lstat a directory's entries a few at a time: the walk is latency-bound, not CPU-bound.
    return mapConcurrent(entries, WALK_CONCURRENCY, async (entry) => {
      const child = joinImagePath(path, entry.name);
      try {
        return { child, st: await this.tree.lstat(child) };
      } catch (e) {
        return { child, error: e };
      }
    });
  }

  close(): Promise<void> {
    return this.tree.close();
  }
}

/** Moves the directories named in `first` to the front of `dirs`, in `first`'s order. */
function frontFirst(dirs: Array<{ path: string }>, first: readonly string[]): void {
  for (let i = first.length - 1; i >= 0; i--) {
    const at = dirs.findIndex((d) => d.path === first[i]);
    if (at > 0) dirs.unshift(...dirs.splice(at, 1));
  }
}
