import type { FileStat, FileType } from "../../fs/filetree.js";
import type { SparseSegment, TarEntry } from "./parse.js";
import { unsafeEntryName, unsafeHardLinkTarget } from "./unsafe.js";

export interface SuspiciousEntry {
  name: string;
  reason: string;
  /** For hard links: the target as stored. */
  linkname?: string;
}

/** Where a regular file's stored bytes start in the tree's store (archive or spill), and its holes. */
export interface DataLocation {
  offset: number;
  sparse?: SparseSegment[];
}

/** At most this many entries of each kind are listed; the rest are only counted. */
const LISTED = 1000;

/** The index grew past its byte budget (TarIndex's `budget`). */
export class IndexFull extends Error {
  override readonly name = "IndexFull";
}

/** Type codes in `kind`; 0 is never used (inode 0 means "none"). */
const FILE = 1;
const DIR = 2;
const SYMLINK = 3;
const KIND_TYPE: FileType[] = ["unknown", "file", "directory", "symlink", "char", "block", "fifo"];
const TYPEFLAG_KIND: Record<string, number> = { "2": SYMLINK, "3": 4, "4": 5, "5": DIR, D: DIR, "6": 6 };
/** GNU volume labels, multi-volume continuations and old long-name records are not files. */
const NOT_FILES = new Set(["V", "M", "N"]);

const ROOT = 1;
/** Bytes per inode slot and per directory-entry slot across the parallel arrays below. */
const INODE_BYTES = 1 + 2 + 4 + 4 + 8 + 8 + 8 + 4 + 4 + 4;
const DIRENT_BYTES = 4 * 5;
/** What a Map entry with a small value costs in V8 (key, value, chain, the value object's header). */
const MAP_ENTRY_BYTES = 64;
/** One { offset, length } object of a sparse map. */
const SEGMENT_BYTES = 40;

type Column = Uint8Array | Uint16Array | Uint32Array | Float64Array;

/**
 * The tree extraction would build, held compactly: inodes and directory entries are rows of
 * typed arrays (no object per entry), names are bytes in one growing buffer, and a directory's
 * children are found through one hash table keyed by (directory, name). About 70 bytes per entry
 * plus its name, against ~300 for an object graph of Maps and stat objects.
 *
 * Builds the way extracting would: parents are created as needed (0755), a later entry replaces
 * an earlier one, hard links share their target's inode. Entries that would land outside the root
 * (absolute names, ".." components, hard links whose target has "..") are kept out of the tree and
 * listed in `unsafe`; entries through a symlink or otherwise unplaceable in `suspicious`.
 */
export class TarIndex {
  readonly unsafe: SuspiciousEntry[] = [];
  unsafeOmitted = 0;
  readonly suspicious: SuspiciousEntry[] = [];
  suspiciousOmitted = 0;

  // Inodes, by inode number (1 is the root).
  private inodes = 1;
  private kind = new Uint8Array(1024);
  private mode = new Uint16Array(1024);
  private uid = new Uint32Array(1024);
  private gid = new Uint32Array(1024);
  private mtime = new Float64Array(1024);
  private size = new Float64Array(1024);
  /** Regular files: where the stored data starts. */
  private offset = new Float64Array(1024);
  private nlink = new Uint32Array(1024);
  /** Directories: their first and last directory entry (0: none), for readdir in archive order. */
  private first = new Uint32Array(1024);
  private last = new Uint32Array(1024);

  // Directory entries, by number (from 1).
  private dirents = 0;
  private dParent = new Uint32Array(1024);
  private dInode = new Uint32Array(1024);
  /** Start of the name in `names`; it ends where the next entry's starts (names are appended in order). */
  private dName = new Uint32Array(1024);
  private dNext = new Uint32Array(1024);
  private dChain = new Uint32Array(1024);
  private buckets = new Uint32Array(1024);
  private names = Buffer.alloc(64 * 1024);
  private namesUsed = 0;

  // The rare and variable-sized, by inode number.
  private readonly linkTargets = new Map<number, string>();
  private readonly sparse = new Map<number, SparseSegment[]>();
  /** uid/gid past 32 bits (pax allows them). */
  private readonly wideIds = new Map<number, { uid: number; gid: number }>();

  /** Bytes held by the arrays, the name buffer and (estimated) the maps. */
  bytes = 0;
  /** The maps' share of `bytes`. */
  private held = 0;
  private scratch = Buffer.alloc(4096);

  constructor(
    /** Past this many bytes `add` throws IndexFull; the index never holds more. */
    private readonly budget = Number.POSITIVE_INFINITY,
  ) {
    this.bytes = this.currentBytes();
    this.newInode(DIR, 0o755, 0, 0, 0);
  }

  /**
   * Adds one entry whose stored data starts at `dataOffset` of the store; returns whether it is a
   * regular file in the tree (whose data should then be kept). Throws IndexFull past the budget.
   */
  add(entry: TarEntry, dataOffset: number): boolean {
    if (NOT_FILES.has(entry.typeflag)) return false;
    if (entry.name === "") return this.report(entry.name, "empty name");
    const unsafe = unsafeEntryName(entry.name);
    if (unsafe) return this.reportUnsafe({ name: entry.name, reason: unsafe });
    // The link's target first: resolving it reuses the scratch buffer the name is encoded into.
    const target = entry.typeflag === "1" ? this.hardLinkTarget(entry) : 0;
    if (target === undefined) return false;
    const parts = this.encode(entry.name);
    if (parts.length === 0) {
      if (entry.typeflag === "5") this.setOwnership(ROOT, entry);
      else this.report(entry.name, "replaces the root directory with a non-directory");
      return false;
    }
    const parent = this.parentDir(parts, entry.name);
    if (!parent) return false;
    const [start, end] = parts[parts.length - 1]!;
    const existing = this.find(parent, this.scratch, start, end);
    const existingIno = existing ? this.dInode[existing]! : 0;

    if (target) {
      if (existingIno && existingIno !== target && this.nlink[existingIno]) this.nlink[existingIno]--;
      this.nlink[target] = this.nlink[target]! + 1;
      if (existing) this.dInode[existing] = target;
      else this.link(parent, start, end, target);
      return false;
    }
    const kind = TYPEFLAG_KIND[entry.typeflag] ?? FILE;
    if (kind === DIR && existingIno && this.kind[existingIno] === DIR) {
      this.setOwnership(existingIno, entry);
      return false;
    }
    if (existingIno && this.nlink[existingIno]) this.nlink[existingIno]--;
    const ino = this.newInode(kind, entry.mode, entry.uid, entry.gid, entry.mtimeMs);
    if (kind === FILE) {
      this.size[ino] = entry.size;
      this.offset[ino] = dataOffset;
      if (entry.sparse) {
        this.chargeHeld(MAP_ENTRY_BYTES + SEGMENT_BYTES * entry.sparse.length);
        this.sparse.set(ino, entry.sparse);
      }
    } else if (kind === SYMLINK) {
      this.size[ino] = Buffer.byteLength(entry.linkname);
      this.chargeHeld(MAP_ENTRY_BYTES + this.size[ino]!);
      this.linkTargets.set(ino, entry.linkname);
    }
    if (existing) this.dInode[existing] = ino;
    else this.link(parent, start, end, ino);
    return kind === FILE;
  }

  /** Frees the growth headroom once every entry is in. */
  trim(): void {
    const keep = <T extends Column>(a: T, n: number): T => (a.length > n ? (a.slice(0, n) as T) : a);
    const n = this.inodes + 1;
    this.kind = keep(this.kind, n);
    this.mode = keep(this.mode, n);
    this.uid = keep(this.uid, n);
    this.gid = keep(this.gid, n);
    this.mtime = keep(this.mtime, n);
    this.size = keep(this.size, n);
    this.offset = keep(this.offset, n);
    this.nlink = keep(this.nlink, n);
    this.first = keep(this.first, n);
    this.last = keep(this.last, n);
    const d = this.dirents + 2; // dName holds one more: where the last name ends
    this.dParent = keep(this.dParent, d);
    this.dInode = keep(this.dInode, d);
    this.dName = keep(this.dName, d);
    this.dNext = keep(this.dNext, d);
    this.dChain = keep(this.dChain, d);
    this.names = Buffer.from(this.names.subarray(0, this.namesUsed));
    this.bytes = this.currentBytes();
  }

  // --- Reading ---

  /** The root's inode number. */
  get root(): number {
    return ROOT;
  }

  isDir(ino: number): boolean {
    return this.kind[ino] === DIR;
  }

  /** The inode of `name` in directory `dir`, or 0. */
  child(dir: number, name: string): number {
    const n = Buffer.byteLength(name);
    if (n > this.scratch.length) this.scratch = Buffer.alloc(n);
    this.scratch.write(name, 0, n, "utf8");
    const d = this.find(dir, this.scratch, 0, n);
    return d ? this.dInode[d]! : 0;
  }

  stat(ino: number): FileStat {
    const wide = this.wideIds.size > 0 ? this.wideIds.get(ino) : undefined;
    return {
      type: KIND_TYPE[this.kind[ino]!]!,
      mode: this.mode[ino]!,
      uid: wide?.uid ?? this.uid[ino]!,
      gid: wide?.gid ?? this.gid[ino]!,
      size: this.size[ino]!,
      mtimeMs: this.mtime[ino]!,
      ino,
      nlink: this.nlink[ino]!,
    };
  }

  /** A directory's entries, in the order extraction creates them. */
  children(dir: number): Array<{ name: string; ino: number }> {
    const out: Array<{ name: string; ino: number }> = [];
    for (let d = this.first[dir]!; d; d = this.dNext[d]!) {
      const [start, end] = this.nameRange(d);
      out.push({ name: this.names.toString("utf8", start, end), ino: this.dInode[d]! });
    }
    return out;
  }

  typeOf(ino: number): FileType {
    return KIND_TYPE[this.kind[ino]!]!;
  }

  linkTarget(ino: number): string | undefined {
    return this.linkTargets.get(ino);
  }

  /** Regular files only: where the data is. */
  data(ino: number): DataLocation | undefined {
    if (this.kind[ino] !== FILE) return undefined;
    const sparse = this.sparse.get(ino);
    return sparse ? { offset: this.offset[ino]!, sparse } : { offset: this.offset[ino]! };
  }

  // --- Building ---

  /** Encodes `name` into the scratch buffer; returns its components as byte ranges, "" and "." left out. */
  private encode(name: string): Array<[number, number]> {
    const n = Buffer.byteLength(name);
    if (n > this.scratch.length) this.scratch = Buffer.alloc(n);
    this.scratch.write(name, 0, n, "utf8");
    const parts: Array<[number, number]> = [];
    let start = 0;
    for (let i = 0; i <= n; i++) {
      if (i < n && this.scratch[i] !== 0x2f) continue;
      const len = i - start;
      if (len > 0 && !(len === 1 && this.scratch[start] === 0x2e)) parts.push([start, i]);
      start = i + 1;
    }
    return parts;
  }

  private parentDir(parts: Array<[number, number]>, name: string): number | undefined {
    let dir = ROOT;
    for (let p = 0; p < parts.length - 1; p++) {
      const [start, end] = parts[p]!;
      const d = this.find(dir, this.scratch, start, end);
      let child = d ? this.dInode[d]! : 0;
      if (!child) {
        child = this.newInode(DIR, 0o755, 0, 0, 0);
        this.link(dir, start, end, child);
      }
      if (this.kind[child] !== DIR) {
        const why = this.kind[child] === SYMLINK ? "goes through a symlink" : "goes through a non-directory";
        this.report(name, `path ${why} (${this.scratch.toString("utf8", start, end)})`);
        return undefined;
      }
      dir = child;
    }
    return dir;
  }

  private hardLinkTarget(entry: TarEntry): number | undefined {
    const unsafe = unsafeHardLinkTarget(entry.linkname);
    if (unsafe) {
      this.reportUnsafe({ name: entry.name, reason: unsafe, linkname: entry.linkname });
      return undefined;
    }
    if (entry.linkname === "") return void this.report(entry.name, "hard link target: empty name");
    if (entry.linkname.startsWith("/"))
      return void this.report(entry.name, `hard link target: absolute path (${entry.linkname})`);
    let node = ROOT;
    for (const [start, end] of this.encode(entry.linkname)) {
      const d = this.kind[node] === DIR ? this.find(node, this.scratch, start, end) : 0;
      node = d ? this.dInode[d]! : 0;
      if (!node) break;
    }
    if (!node) return void this.report(entry.name, `hard link to a missing entry (${entry.linkname})`);
    if (this.kind[node] === DIR)
      return void this.report(entry.name, `hard link to a directory (${entry.linkname})`);
    return node;
  }

  private setOwnership(ino: number, entry: TarEntry): void {
    this.mode[ino] = entry.mode;
    this.setIds(ino, entry.uid, entry.gid);
    this.mtime[ino] = entry.mtimeMs;
  }

  private setIds(ino: number, uid: number, gid: number): void {
    if (uid > 0xffffffff || gid > 0xffffffff) {
      if (!this.wideIds.has(ino)) this.chargeHeld(MAP_ENTRY_BYTES);
      this.wideIds.set(ino, { uid, gid });
    } else {
      this.wideIds.delete(ino);
      this.uid[ino] = uid;
      this.gid[ino] = gid;
    }
  }

  private newInode(kind: number, mode: number, uid: number, gid: number, mtimeMs: number): number {
    if (this.inodes + 1 >= this.kind.length) this.growInodes();
    const ino = this.inodes++;
    this.kind[ino] = kind;
    this.mode[ino] = mode;
    this.setIds(ino, uid, gid);
    this.mtime[ino] = mtimeMs;
    this.nlink[ino] = 1;
    return ino;
  }

  /** Adds directory entry `name` (bytes [start, end) of the scratch buffer) → `ino` to `dir`. */
  private link(dir: number, start: number, end: number, ino: number): void {
    if (this.dirents + 2 >= this.dInode.length) this.growDirents();
    if (this.namesUsed + (end - start) > this.names.length) this.growNames(end - start);
    if (this.dirents + 1 > this.buckets.length) this.rehash();
    const d = ++this.dirents;
    this.dParent[d] = dir;
    this.dInode[d] = ino;
    this.dName[d] = this.namesUsed;
    this.scratch.copy(this.names, this.namesUsed, start, end);
    this.namesUsed += end - start;
    this.dName[d + 1] = this.namesUsed; // where this name ends, until the next entry starts there
    if (this.last[dir]) this.dNext[this.last[dir]!] = d;
    else this.first[dir] = d;
    this.last[dir] = d;
    const b = this.hash(dir, this.names, this.dName[d]!, this.namesUsed) & (this.buckets.length - 1);
    this.dChain[d] = this.buckets[b]!;
    this.buckets[b] = d;
  }

  /** The directory entry for (dir, bytes [start, end) of `buf`), or 0. */
  private find(dir: number, buf: Buffer, start: number, end: number): number {
    const len = end - start;
    for (let d = this.buckets[this.hash(dir, buf, start, end) & (this.buckets.length - 1)]!; d; ) {
      if (this.dParent[d] === dir) {
        const [s, e] = this.nameRange(d);
        if (e - s === len) {
          let i = 0;
          while (i < len && this.names[s + i] === buf[start + i]) i++;
          if (i === len) return d;
        }
      }
      d = this.dChain[d]!;
    }
    return 0;
  }

  private nameRange(d: number): [number, number] {
    return [this.dName[d]!, this.dName[d + 1]!];
  }

  /** FNV-1a over the directory's number and the name's bytes. */
  private hash(dir: number, buf: Buffer, start: number, end: number): number {
    let h = Math.imul(0x811c9dc5 ^ dir, 16777619);
    h = Math.imul(h ^ (dir >>> 16), 16777619);
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 16777619);
    return h >>> 0;
  }

  private rehash(): void {
    const size = this.buckets.length * 2;
    this.charge(this.buckets.byteLength, size * 4);
    const buckets = new Uint32Array(size);
    for (let d = 1; d <= this.dirents; d++) {
      const b = this.hash(this.dParent[d]!, this.names, this.dName[d]!, this.dName[d + 1]!) & (size - 1);
      this.dChain[d] = buckets[b]!;
      buckets[b] = d;
    }
    this.buckets = buckets;
  }

  private growInodes(): void {
    const now = this.kind.length;
    const size = this.capacity(now, INODE_BYTES);
    const grow = <T extends Column>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.kind = grow(this.kind);
    this.mode = grow(this.mode);
    this.uid = grow(this.uid);
    this.gid = grow(this.gid);
    this.mtime = grow(this.mtime);
    this.size = grow(this.size);
    this.offset = grow(this.offset);
    this.nlink = grow(this.nlink);
    this.first = grow(this.first);
    this.last = grow(this.last);
  }

  private growDirents(): void {
    const size = this.capacity(this.dInode.length, DIRENT_BYTES);
    const grow = (a: Uint32Array) => {
      const b = new Uint32Array(size);
      b.set(a);
      return b;
    };
    this.dParent = grow(this.dParent);
    this.dInode = grow(this.dInode);
    this.dName = grow(this.dName);
    this.dNext = grow(this.dNext);
    this.dChain = grow(this.dChain);
  }

  private growNames(need: number): void {
    const now = this.names.length;
    const want = Math.max(now + need, Math.ceil(now * 1.5));
    let size = want;
    if (this.bytes - now + want > this.budget) size = now + Math.max(need, 64 * 1024);
    this.charge(now, size);
    const names = Buffer.alloc(size);
    this.names.copy(names, 0, 0, this.namesUsed);
    this.names = names;
  }

  /** 1.5 times `now` rows, or what is left of the budget (at least 1/16 more); charged to `bytes`. */
  private capacity(now: number, rowBytes: number): number {
    let size = Math.ceil(now * 1.5);
    if (this.bytes + (size - now) * rowBytes > this.budget)
      size = Math.max(now + Math.ceil(now / 16), now + Math.floor((this.budget - this.bytes) / rowBytes));
    this.charge(now * rowBytes, size * rowBytes);
    return size;
  }

  private charge(before: number, after: number): void {
    if (this.bytes - before + after > this.budget)
      throw new IndexFull(`the index would exceed ${this.budget} bytes`);
    this.bytes += after - before;
  }

  private chargeHeld(n: number): void {
    this.charge(0, n);
    this.held += n;
  }

  private currentBytes(): number {
    return (
      this.held +
      this.kind.length * INODE_BYTES +
      this.dInode.length * DIRENT_BYTES +
      this.buckets.byteLength +
      this.names.length
    );
  }

  private report(name: string, reason: string): false {
    if (this.suspicious.length < LISTED) this.suspicious.push({ name, reason });
    else this.suspiciousOmitted++;
    return false;
  }

  private reportUnsafe(entry: SuspiciousEntry): false {
    if (this.unsafe.length < LISTED) this.unsafe.push(entry);
    else this.unsafeOmitted++;
    return false;
  }
}
