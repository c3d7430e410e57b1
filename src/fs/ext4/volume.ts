import { type ByteSource, readSourceInto } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";
import { groupHasSuper, type Superblock } from "./superblock.js";

/**
 * Metadata blocks kept in memory (inode tables, directories, extent and indirect blocks). A walk
 * reads them in order and rarely comes back: 4 MiB held 8 MiB of buffers at 300 k files for no
 * speed (see tree.ts's caches).
 */
const CACHE_BYTES = 1024 * 1024; // × 2 generations
/**
 * Inode-table blocks read at once. Cached one by one, each a view of the group's buffer: a group
 * stays in memory while any of its blocks is cached, at most 8 × the cache's bytes.
 */
const INODE_READAHEAD = 8;
/** withBlock's buffers kept for reuse. */
const SPARE_BLOCKS = 16;

/**
 * A bounded cache of recently used entries: two generations of Maps; a hit in the old one moves
 * to the new one, and when the new one is full the old one is dropped. At most 2 × capacity
 * entries, O(1) per operation (no per-hit reordering, which measured slow on V8 Maps).
 */
export class Lru<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  constructor(private readonly capacity: number) {}
  get(key: K): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) this.set(key, o);
    return o;
  }
  set(key: K, value: V): void {
    if (this.young.size >= this.capacity) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
  /** Forgets `key` if it still maps to `value` (a failed load, not one that replaced it). */
  forget(key: K, value: V): void {
    if (this.young.get(key) === value) this.young.delete(key);
    if (this.old.get(key) === value) this.old.delete(key);
  }
  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}

/**
 * The cached value for `key`, else `load()`'s, cached while it is pending too: a walk reads a
 * directory's entries 16 at a time, and without this each of them missed the cache for the same
 * inode-table block at once (6,560 reads for 1,129 blocks on the bench disk). A loaded value
 * replaces its promise, so later callers have it at once, without an await (one per inode was a
 * tenth of a walk's time). A failed load is forgotten, so a later caller sees its own error.
 */
export function cachedLoad<K, V>(
  cache: Lru<K, V | Promise<V>>,
  key: K,
  load: () => V | Promise<V>,
): V | Promise<V> {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const loaded = load();
  cache.set(key, loaded);
  if (loaded instanceof Promise)
    loaded.then(
      (value) => {
        if (cache.get(key) === loaded) cache.set(key, value);
      },
      () => cache.forget(key, loaded),
    );
  return loaded;
}

/** The filesystem's block layer: bounds-checked block reads, a metadata cache, group descriptors. */
export class Volume {
  readonly blockSize: number;
  private readonly cache: Lru<number, Buffer | Promise<Buffer>>;
  /** Buffers for withBlock, one per read in flight (a walk has a few at once). */
  private readonly spareBlocks: Buffer[] = [];

  constructor(
    readonly source: ByteSource,
    readonly sb: Superblock,
  ) {
    this.blockSize = sb.blockSize;
    this.cache = new Lru(Math.max(16, Math.floor(CACHE_BYTES / sb.blockSize)));
  }

  get file(): string {
    return this.source.description;
  }

  error(structure: string, offset: number, expected: string): ImageFormatError {
    return new ImageFormatError(this.file, structure, offset, expected);
  }

  /**
   * Throws unless blocks [block, block+count) lie inside the filesystem and (unless `inImage` is
   * false, for ranges read piecemeal later) inside the image.
   */
  checkRange(block: number, count: number, structure: string, where: number, inImage = true): void {
    const end = block + count;
    if (
      !Number.isSafeInteger(end) ||
      block < this.sb.firstDataBlock ||
      block === 0 ||
      end > this.sb.blocksCount
    )
      throw this.error(
        structure,
        where,
        `block ${block}+${count} inside the filesystem (${this.sb.blocksCount} blocks)`,
      );
    if (inImage && end * this.blockSize > this.source.size)
      throw this.error(
        structure,
        where,
        `block ${block}+${count} inside the image (${this.source.size} bytes; truncated?)`,
      );
  }

  /** One metadata block, through the cache. The returned buffer is shared: do not modify it. */
  async block(n: number, structure: string, where: number): Promise<Buffer> {
    // Checked per caller, so a bad block number is reported where this caller found it.
    this.checkRange(n, 1, structure, where);
    return cachedLoad(this.cache, n, () => this.source.read(n * this.blockSize, this.blockSize));
  }

  /**
   * Block `n` read into a buffer lent to `use` for the duration of that call only (it goes back to
   * a small pool and holds another block next): for blocks parsed once and not kept.
   */
  async withBlock<T>(n: number, structure: string, where: number, use: (block: Buffer) => T): Promise<T> {
    const block = this.spareBlocks.pop() ?? Buffer.allocUnsafe(this.blockSize);
    try {
      await this.dataInto(n, 1, block, structure, where);
      return use(block);
    } finally {
      if (this.spareBlocks.length < SPARE_BLOCKS) this.spareBlocks.push(block);
    }
  }

  /**
   * Block `n` of the inode table starting at `table`, read with its aligned group of
   * INODE_READAHEAD neighbours in the table: a walk reads inodes in number order, and a read and
   * a buffer per block were ~10 % of a disk scan's main-thread time. `n` is checked as
   * block() checks it, so a bad table reports as before.
   */
  async inodeTableBlock(n: number, table: number, structure: string, where: number): Promise<Buffer> {
    this.checkRange(n, 1, structure, where);
    const hit = this.cache.get(n);
    if (hit) return hit;
    const first = Math.max(table, n - ((n - table) % INODE_READAHEAD));
    // Clipped to the table, the filesystem and the image: only bytes block() could read too.
    const end = Math.min(
      first + INODE_READAHEAD,
      table + this.inodeTableBlocks,
      this.sb.blocksCount,
      Math.floor(this.source.size / this.blockSize),
    );
    const group = this.source.read(first * this.blockSize, (end - first) * this.blockSize);
    for (let b = first; b < end; b++) {
      const at = (b - first) * this.blockSize;
      cachedLoad(this.cache, b, () => group.then((buf) => buf.subarray(at, at + this.blockSize)));
    }
    return this.cache.get(n) ?? group.then((buf) => buf.subarray((n - first) * this.blockSize));
  }

  /** Block `n` when it is cached and read (a read checked `n`): most inodes' table blocks. */
  inodeTableBlockNow(n: number): Buffer | undefined {
    const hit = this.cache.get(n);
    return hit instanceof Promise ? undefined : hit;
  }

  /** Block number of group `g`'s inode table when inodeTable(g) has read it. */
  inodeTableNow(g: number): number | undefined {
    return this.inodeTables.get(g);
  }

  /** Blocks of one group's inode table. */
  get inodeTableBlocks(): number {
    return Math.ceil((this.sb.inodesPerGroup * this.sb.inodeSize) / this.blockSize);
  }

  /** File data straight from the source (not cached): `count` blocks from `block`. */
  async data(block: number, count: number, structure: string, where: number): Promise<Buffer> {
    this.checkRange(block, count, structure, where);
    return this.source.read(block * this.blockSize, count * this.blockSize);
  }

  /** File data straight from the source into `target` (whole blocks: its length is `count` blocks). */
  async dataInto(
    block: number,
    count: number,
    target: Buffer,
    structure: string,
    where: number,
  ): Promise<void> {
    this.checkRange(block, count, structure, where);
    const offset = block * this.blockSize;
    await readSourceInto(this.source, offset, target.subarray(0, count * this.blockSize));
  }

  /** Groups' inode tables as read and checked: one number per group, asked for once per inode read. */
  private readonly inodeTables = new Map<number, number>();

  /** Block number of group `g`'s inode table, from its group descriptor. */
  async inodeTable(g: number): Promise<number> {
    const known = this.inodeTables.get(g);
    if (known !== undefined) return known;
    const table = await this.readInodeTable(g);
    this.inodeTables.set(g, table);
    return table;
  }

  private async readInodeTable(g: number): Promise<number> {
    const { sb } = this;
    const perBlock = this.blockSize / sb.descSize;
    const descBlockIndex = Math.floor(g / perBlock);
    let descBlock: number;
    if (sb.hasMetaBg && descBlockIndex >= sb.firstMetaBg) {
      // META_BG: each meta group's descriptors live in its own first group, after any backup superblock.
      const first = descBlockIndex * perBlock;
      descBlock = sb.firstDataBlock + first * sb.blocksPerGroup + (groupHasSuper(sb, first) ? 1 : 0);
    } else {
      descBlock = sb.firstDataBlock + 1 + descBlockIndex;
    }
    const buf = await this.block(descBlock, "ext group descriptor table", descBlock * this.blockSize);
    const at = (g % perBlock) * sb.descSize;
    const lo = buf.readUInt32LE(at + 0x8);
    const hi = sb.descSize >= 64 ? buf.readUInt32LE(at + 0x28) : 0;
    const table = lo + hi * 2 ** 32;
    this.checkRange(
      table,
      this.inodeTableBlocks,
      `ext group descriptor ${g} (bg_inode_table)`,
      descBlock * this.blockSize + at + 0x8,
      false,
    );
    return table;
  }
}
