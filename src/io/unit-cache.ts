/**
 * Inflated units (VMDK grains, qcow2 clusters) kept in buffers reused for the reader's life, least
 * recently used first out. A unit kept a while outlives a young-generation collection, and
 * inflated units dropped as garbage then wait in the old generation for a full collection: on the
 * 30 k-file disk as a streamOptimized VMDK, 3,700 grains inflated on the main thread made 10 full
 * collections where the raw disk's scan made 2 (docs/performance.md). A unit is inflated into a
 * kept buffer (the libdeflate addon writes there; zlib's output is copied there and dies young). A
 * buffer get() returns is valid until the next unit is kept: copy out of it before awaiting anything.
 */
export class UnitCache<K> {
  /** Key → buffer, least recently used first. */
  private readonly units = new Map<K, Buffer>();
  constructor(
    readonly unitSize: number,
    private readonly capacity: number,
  ) {}

  /**
   * A cache of about `bytes` of `unitSize`-byte units, at least `least` of them, but never more
   * than `ceiling` bytes (one unit at the least): a hostile header's 32 MiB VMDK grains must not
   * make sixteen of them resident.
   */
  static ofBytes<K>(
    unitSize: number,
    bytes: number,
    least: number,
    ceiling = 64 * 1024 * 1024,
  ): UnitCache<K> {
    const count = Math.min(Math.max(least, Math.floor(bytes / unitSize)), Math.floor(ceiling / unitSize));
    return new UnitCache<K>(unitSize, Math.max(1, count));
  }

  get(key: K): Buffer | undefined {
    const unit = this.units.get(key);
    if (unit) {
      this.units.delete(key);
      this.units.set(key, unit);
    }
    return unit;
  }

  /**
   * Bytes [within, within + target.length) of unit `key` into `target`: from the cache, or from a
   * buffer of the cache's that `fill` writes the whole unit into (then kept under `key`; dropped
   * if `fill` throws).
   */
  async copyInto(
    key: K,
    within: number,
    target: Buffer,
    fill: (into: Buffer) => Promise<void>,
  ): Promise<void> {
    const cached = this.get(key);
    if (cached) {
      cached.copy(target, 0, within, within + target.length);
      return;
    }
    const into = this.slot();
    await fill(into);
    into.copy(target, 0, within, within + target.length);
    this.put(key, into);
  }

  /** Unit `key`: from the cache, or written by `fill` into a buffer of the cache's, then kept. */
  fill(key: K, fill: (into: Buffer) => void): Buffer {
    const cached = this.get(key);
    if (cached) return cached;
    const into = this.slot();
    fill(into);
    this.put(key, into);
    return into;
  }

  /** A buffer for a unit not yet kept: the least recently used one's when full (it is dropped). */
  private slot(): Buffer {
    if (this.units.size >= this.capacity) {
      const [oldest, buffer] = this.units.entries().next().value as [K, Buffer];
      this.units.delete(oldest);
      return buffer;
    }
    return Buffer.allocUnsafe(this.unitSize);
  }

  /** Keeps `buffer` (the cache's own) under `key`, most recently used, within the capacity. */
  private put(key: K, buffer: Buffer): void {
    this.units.delete(key);
    // Two units filled at once (reads awaiting side by side) can each have taken a new buffer.
    while (this.units.size >= this.capacity) this.units.delete(this.units.keys().next().value as K);
    this.units.set(key, buffer);
  }

  /** Keeps a copy of `bytes` (unitSize of them) under `key`: in its own buffer when kept already. */
  keep(key: K, bytes: Buffer): Buffer {
    const into = this.units.get(key) ?? this.slot();
    bytes.copy(into, 0, 0, this.unitSize);
    this.put(key, into);
    return into;
  }
}
