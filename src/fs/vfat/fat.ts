import type { ByteSource } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";
import type { FatGeometry } from "./boot.js";

const CHUNK = 64 * 1024;
const CHUNK_CACHE = 256; // 16 MiB of FAT at most in memory

/** The FAT in use, read lazily in 64 KiB pieces; follows cluster chains with bounds. */
export class FatTable {
  private readonly chunks = new Map<number, Buffer>();
  constructor(
    readonly source: ByteSource,
    readonly geo: FatGeometry,
  ) {}

  private async byteAt(offset: number, length: number): Promise<Buffer> {
    const index = Math.floor(offset / CHUNK);
    let chunk = this.chunks.get(index);
    if (!chunk) {
      const start = index * CHUNK;
      chunk = await this.source.read(this.geo.fatOffset + start, Math.min(CHUNK, this.geo.fatBytes - start));
      if (this.chunks.size >= CHUNK_CACHE) this.chunks.delete(this.chunks.keys().next().value as number);
      this.chunks.set(index, chunk);
    }
    const at = offset - index * CHUNK;
    if (at + length <= chunk.length) return chunk.subarray(at, at + length);
    // A FAT12 entry straddling two chunks.
    return Buffer.concat([
      chunk.subarray(at),
      await this.byteAt((index + 1) * CHUNK, length - (chunk.length - at)),
    ]);
  }

  /** The FAT entry of cluster n, normalised: ≥ 0x0ffffff8 is end of chain, 0x0ffffff7 bad. */
  async next(n: number): Promise<number> {
    const { kind } = this.geo;
    if (kind === "FAT12") {
      const b = await this.byteAt(n + (n >> 1), 2);
      const v = n & 1 ? b.readUInt16LE(0) >> 4 : b.readUInt16LE(0) & 0xfff;
      return v >= 0xff7 ? v + 0x0ffff000 : v;
    }
    if (kind === "FAT16") {
      const v = (await this.byteAt(n * 2, 2)).readUInt16LE(0);
      return v >= 0xfff7 ? v + 0x0fff0000 : v;
    }
    return (await this.byteAt(n * 4, 4)).readUInt32LE(0) & 0x0fffffff;
  }

  valid(n: number): boolean {
    return n >= 2 && n <= this.geo.clusterCount + 1;
  }

  clusterOffset(n: number): number {
    return this.geo.dataOffset + (n - 2) * this.geo.clusterSize;
  }

  /**
   * The first `limit` clusters of the chain starting at `first` (fewer if it ends). A chain that
   * leaves the volume, hits a free or bad cluster, or is still going after `limit` clusters when
   * `exact` (a file whose size says how many it has) is an error; `limit` also ends cycles.
   */
  async chain(first: number, limit: number, what: string, exact: boolean): Promise<number[]> {
    const out: number[] = [];
    const seen = new Set<number>();
    const bad = (expected: string) =>
      new ImageFormatError(this.source.description, `FAT chain of ${what}`, this.geo.fatOffset, expected);
    let n = first;
    while (out.length < limit) {
      if (!this.valid(n)) throw bad(`a cluster in 2..${this.geo.clusterCount + 1} (got ${n})`);
      if (seen.has(n)) throw bad(`a chain without loops (cluster ${n} comes back)`);
      seen.add(n);
      out.push(n);
      n = await this.next(n);
      if (n >= 0x0ffffff8) break;
    }
    if (exact && out.length < limit) throw bad(`${limit} clusters (the chain ends after ${out.length})`);
    // A file's last cluster is marked end-of-chain; anything else is a loop or a wrong size.
    if (exact && limit > 0 && n < 0x0ffffff8)
      throw bad(`an end-of-chain mark after ${limit} clusters (the file size)`);
    return out;
  }
}
