import type { FileType } from "../fs/filetree.js";
import type { Unread } from "./unread.js";

export interface IndexedFile {
  path: string;
  type: FileType;
  size: number;
  mode: number;
  uid: number;
  gid: number;
}

/** What the index keeps of an entry's lstat (and its inode number, when the tree has one). */
export type IndexedStat = Omit<IndexedFile, "path"> & { ino?: number };

const TYPES: readonly FileType[] = [
  "file",
  "directory",
  "symlink",
  "char",
  "block",
  "fifo",
  "socket",
  "unknown",
];
const TYPE_CODE = new Map(TYPES.map((t, i) => [t, i]));
/** Names joined into one string per this many entries: a name is then a slice, not its own string. */
const NAMES_PER_CHUNK = 1024;

/**
 * Every entry of one walk, in walk order, stored as columns: typed arrays for the numbers, each
 * path as its parent directory plus a name. A 300 k-file disk's index was 26 MB of objects and
 * 35 MB of path strings, most of a scan's live heap, and a Map of every path on top; this keeps
 * one string per directory and the names joined in chunks. Entries are materialised (a fresh
 * IndexedFile) when read.
 *
 * Lookups by path find the parent directory, then the name by binary search among its children:
 * a walk lists each directory's entries together in name order. An index fed otherwise (children
 * apart, or out of order) falls back to a Map of every path, built on the first lookup.
 */
export class FileIndex implements Iterable<IndexedFile> {
  /** Use FileIndex.builder(): the columns must agree with each other. */
  constructor(
    private readonly c: FileIndexColumns,
    /** Where the walk stopped at the entry bound (files from there on were not indexed). */
    readonly truncatedAt?: string,
    /** What the walk could not list or stat: directories and entries whose content it never saw. */
    readonly unread: readonly Unread[] = [],
  ) {}

  /** Builds an index entry by entry, in walk order. */
  static builder(): FileIndexBuilder {
    return new FileIndexBuilder();
  }

  /** Number of entries. */
  get count(): number {
    return this.c.n;
  }

  /** Entry `i` in walk order (0 ≤ i < count). */
  at(i: number): IndexedFile {
    if (!(i >= 0 && i < this.c.n)) throw new RangeError(`file index entry ${i} of ${this.c.n}`);
    return entryOf(this.c, i, this.nameAt(i));
  }

  /** Entry `i`'s inode number in its tree (FileStat.ino), when the tree gave one. */
  inoAt(i: number): number | undefined {
    const ino = this.c.inos[i];
    return ino === undefined || Number.isNaN(ino) ? undefined : ino;
  }

  *[Symbol.iterator](): Iterator<IndexedFile> {
    for (let i = 0; i < this.c.n; i++) yield this.at(i);
  }

  /**
   * The entries `test` keeps, in walk order, materialised; the others never are. The test sees
   * each entry through one reused view that reads a column only when asked, and must not keep it.
   * Inspectors look for a few names among every entry: iterating the whole index made an object
   * and a path string per entry for each of them (~0.7 GB allocated at 300 k files).
   */
  *select(test: (entry: EntryView) => boolean): Generator<IndexedFile> {
    const view = new ColumnView(this.c, (i) => this.nameAt(i));
    for (let i = 0; i < this.c.n; i++) {
      view.i = i;
      if (test(view)) yield this.at(i);
    }
  }

  /** The entry at exactly this path (as the walk wrote it), if the walk saw one. */
  get(path: string): IndexedFile | undefined {
    const i = this.indexOf(path);
    return i === -1 ? undefined : this.at(i);
  }

  has(path: string): boolean {
    return this.indexOf(path) !== -1;
  }

  private pathAt(i: number): string {
    const dir = this.c.dirPaths[this.c.parents[i]!]!;
    const name = this.nameAt(i);
    return dir === "/" ? `/${name}` : `${dir}/${name}`;
  }

  private nameAt(i: number): string {
    const start = i % NAMES_PER_CHUNK === 0 ? 0 : this.c.nameEnds[i - 1]!;
    return this.c.nameChunks[Math.floor(i / NAMES_PER_CHUNK)]!.slice(start, this.c.nameEnds[i]!);
  }

  private byPath?: Map<string, number>;

  private indexOf(path: string): number {
    if (!this.c.sortedRuns) {
      if (!this.byPath) {
        this.byPath = new Map();
        for (let i = 0; i < this.c.n; i++) this.byPath.set(this.pathAt(i), i);
      }
      return this.byPath.get(path) ?? -1;
    }
    const cut = path.lastIndexOf("/");
    if (cut === -1) return -1;
    const parentPath = cut === 0 ? "/" : path.slice(0, cut);
    // "//x" would find "/x" through "/": the walk never writes it.
    if (cut > 0 && parentPath === "/") return -1;
    const dir = this.c.dirByPath.get(parentPath);
    if (dir === undefined) return -1;
    const name = path.slice(cut + 1);
    // The last entry of that name (a damaged directory may list one twice; a Map kept the last).
    let lo = this.c.childStart[dir]!;
    let hi = this.c.childEnd[dir]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (name < this.nameAt(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo > this.c.childStart[dir]! && this.nameAt(lo - 1) === name ? lo - 1 : -1;
  }
}

/** An entry as FileIndex.select's test sees it: each field read from the columns when asked. */
export interface EntryView {
  readonly type: FileType;
  readonly size: number;
  /** The last component of the path. */
  readonly name: string;
  /** The parent directory's path ("/" for an entry at the top). */
  readonly dir: string;
  readonly path: string;
}

/** One entry's fields, read from the columns by number (`i` moves it along). */
class ColumnView implements EntryView {
  i = 0;
  constructor(
    private readonly c: FileIndexColumns,
    private readonly nameOf: (i: number) => string,
  ) {}
  get type(): FileType {
    return TYPES[this.c.types[this.i]!]!;
  }
  get size(): number {
    return this.c.sizes[this.i]!;
  }
  get name(): string {
    return this.nameOf(this.i);
  }
  get dir(): string {
    return this.c.dirPaths[this.c.parents[this.i]!]!;
  }
  get path(): string {
    const dir = this.dir;
    return dir === "/" ? `/${this.name}` : `${dir}/${this.name}`;
  }
}

/** The columns an entry is read from, in a finished index or a builder. */
interface EntryColumns {
  readonly types: Uint8Array;
  readonly sizes: Float64Array;
  readonly modes: Uint32Array;
  readonly uids: Uint32Array;
  readonly gids: Uint32Array;
  readonly wide: ReadonlyMap<number, { mode: number; uid: number; gid: number }>;
  readonly parents: Int32Array;
  readonly dirPaths: readonly string[];
}

/** Entry `i` as an object, its name given. */
function entryOf(c: EntryColumns, i: number, name: string): IndexedFile {
  const odd = c.wide.get(i);
  const dir = c.dirPaths[c.parents[i]!]!;
  return {
    path: dir === "/" ? `/${name}` : `${dir}/${name}`,
    type: TYPES[c.types[i]!]!,
    size: c.sizes[i]!,
    mode: odd ? odd.mode : c.modes[i]!,
    uid: odd ? odd.uid : c.uids[i]!,
    gid: odd ? odd.gid : c.gids[i]!,
  };
}

/** The index's storage, entry i in row i of each column. */
interface FileIndexColumns {
  n: number;
  types: Uint8Array;
  sizes: Float64Array;
  modes: Uint32Array;
  uids: Uint32Array;
  gids: Uint32Array;
  /** Inode numbers in the entry's tree, NaN where the tree gave none. */
  inos: Float64Array;
  /** Values that do not fit the Uint32 columns: mode, uid and gid by entry. */
  wide: ReadonlyMap<number, { mode: number; uid: number; gid: number }>;
  /** The parent directory's number (0 is "/"). */
  parents: Int32Array;
  /** Where entry i's name ends in its chunk (it starts where entry i-1's ends, or at 0). */
  nameEnds: Uint32Array;
  nameChunks: readonly string[];
  dirPaths: readonly string[];
  dirByPath: ReadonlyMap<string, number>;
  /** Each directory's children: entries [childStart, childEnd), in name order. */
  childStart: Int32Array;
  childEnd: Int32Array;
  /** Every directory's children lie together in name order (else lookups use a Map). */
  sortedRuns: boolean;
}

/** Appends entries in walk order; `finish` freezes them into a FileIndex. */
export class FileIndexBuilder {
  private n = 0;
  private capacity = 1024;
  private types = new Uint8Array(this.capacity);
  private sizes = new Float64Array(this.capacity);
  private modes = new Uint32Array(this.capacity);
  private uids = new Uint32Array(this.capacity);
  private gids = new Uint32Array(this.capacity);
  /** NaN where the tree gave no inode number. */
  private inos = new Float64Array(this.capacity);
  private parents = new Int32Array(this.capacity);
  private nameEnds = new Uint32Array(this.capacity);
  private readonly wide = new Map<number, { mode: number; uid: number; gid: number }>();
  private readonly nameChunks: string[] = [];
  private pendingNames: string[] = [];
  private pendingLength = 0;
  private readonly dirPaths: string[] = ["/"];
  private readonly dirByPath = new Map<string, number>([["/", 0]]);
  private childStart: number[] = [0];
  private childEnd: number[] = [0];
  private sortedRuns = true;
  private lastParentPath = "";
  private lastParent = -1;
  private lastName = "";

  get count(): number {
    return this.n;
  }

  /** Entry `i` of those added so far (0 ≤ i < count), as FileIndex.at gives it once finished. */
  at(i: number): IndexedFile {
    if (!(i >= 0 && i < this.n)) throw new RangeError(`file index entry ${i} of ${this.n}`);
    const chunk = Math.floor(i / NAMES_PER_CHUNK);
    const name =
      chunk < this.nameChunks.length
        ? this.nameChunks[chunk]!.slice(
            i % NAMES_PER_CHUNK === 0 ? 0 : this.nameEnds[i - 1]!,
            this.nameEnds[i]!,
          )
        : this.pendingNames[i % NAMES_PER_CHUNK]!;
    const { types, sizes, modes, uids, gids, wide, parents, dirPaths } = this;
    return entryOf({ types, sizes, modes, uids, gids, wide, parents, dirPaths }, i, name);
  }

  /** Entry `i`'s inode number (FileIndex.inoAt), of those added so far. */
  inoAt(i: number): number | undefined {
    const ino = i >= 0 && i < this.n ? this.inos[i]! : Number.NaN;
    return Number.isNaN(ino) ? undefined : ino;
  }

  add(path: string, stat: IndexedStat): void {
    if (this.n === this.capacity) this.grow();
    const i = this.n++;
    const cut = path.lastIndexOf("/");
    const parentPath = cut <= 0 ? "/" : path.slice(0, cut);
    // A copy, not a slice: a slice would keep the whole path string alive.
    // A slice of the path until its chunk is joined (then a copy in the chunk's string).
    const name = path.slice(cut + 1);
    let parent = this.lastParent;
    if (parentPath !== this.lastParentPath) {
      parent = this.dirByPath.get(parentPath) ?? this.addDir(parentPath);
      // The parent's children so far ended elsewhere: this run is not its only one.
      if (this.childEnd[parent]! > this.childStart[parent]!) this.sortedRuns = false;
      this.childStart[parent] = i;
      this.lastParentPath = parentPath;
      this.lastParent = parent;
    } else if (name < this.lastName) {
      this.sortedRuns = false;
    }
    this.childEnd[parent] = i + 1;
    this.lastName = name;
    this.parents[i] = parent;
    this.types[i] = TYPE_CODE.get(stat.type) ?? TYPE_CODE.get("unknown")!;
    this.sizes[i] = stat.size;
    this.inos[i] = stat.ino ?? Number.NaN;
    if (fitsUint32(stat.mode) && fitsUint32(stat.uid) && fitsUint32(stat.gid)) {
      this.modes[i] = stat.mode;
      this.uids[i] = stat.uid;
      this.gids[i] = stat.gid;
    } else {
      this.wide.set(i, { mode: stat.mode, uid: stat.uid, gid: stat.gid });
    }
    this.pendingNames.push(name);
    this.pendingLength += name.length;
    this.nameEnds[i] = this.pendingLength;
    if (this.pendingNames.length === NAMES_PER_CHUNK) this.flushNames();
    if (stat.type === "directory") {
      const existing = this.dirByPath.get(path);
      // Seen before as a parent only, or listed twice (a damaged directory): the last one wins.
      if (existing === undefined) this.addDir(path);
    }
  }

  finish(truncatedAt?: string, unread: readonly Unread[] = []): FileIndex {
    if (this.pendingNames.length > 0) this.flushNames();
    const n = this.n;
    const columns: FileIndexColumns = {
      n,
      types: this.types.slice(0, n),
      sizes: this.sizes.slice(0, n),
      modes: this.modes.slice(0, n),
      uids: this.uids.slice(0, n),
      gids: this.gids.slice(0, n),
      inos: this.inos.slice(0, n),
      wide: this.wide,
      parents: this.parents.slice(0, n),
      nameEnds: this.nameEnds.slice(0, n),
      nameChunks: this.nameChunks,
      dirPaths: this.dirPaths,
      dirByPath: this.dirByPath,
      childStart: Int32Array.from(this.childStart),
      childEnd: Int32Array.from(this.childEnd),
      sortedRuns: this.sortedRuns,
    };
    return new FileIndex(columns, truncatedAt, unread);
  }

  private addDir(path: string): number {
    const ord = this.dirPaths.length;
    // The walk's string: its parent's path plus the name (V8 keeps such a join as a pair).
    this.dirPaths.push(path);
    this.dirByPath.set(path, ord);
    this.childStart.push(0);
    this.childEnd.push(0);
    return ord;
  }

  private flushNames(): void {
    this.nameChunks.push(this.pendingNames.join(""));
    this.pendingNames = [];
    this.pendingLength = 0;
  }

  private grow(): void {
    this.capacity *= 2;
    const grown = <T extends { length: number; set(a: ArrayLike<number>): void }>(
      old: T,
      make: new (n: number) => T,
    ): T => {
      const next = new make(this.capacity);
      next.set(old as unknown as ArrayLike<number>);
      return next;
    };
    this.types = grown(this.types, Uint8Array);
    this.sizes = grown(this.sizes, Float64Array);
    this.modes = grown(this.modes, Uint32Array);
    this.uids = grown(this.uids, Uint32Array);
    this.gids = grown(this.gids, Uint32Array);
    this.inos = grown(this.inos, Float64Array);
    this.parents = grown(this.parents, Int32Array);
    this.nameEnds = grown(this.nameEnds, Uint32Array);
  }
}

function fitsUint32(v: number): boolean {
  return v >>> 0 === v;
}
