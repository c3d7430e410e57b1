import { type ByteSource, pushRun } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";
import { decompressLznt1 } from "./lznt1.js";
import type { Attribute } from "./record.js";
import { decodeRunlist, type Run } from "./runlist.js";

export interface VolumeGeometry {
  source: ByteSource;
  clusterSize: number;
  totalClusters: number;
}

/**
 * The bytes of one attribute (all its extents, from the base record and any extension records
 * an $ATTRIBUTE_LIST names): resident, or non-resident through its runs, with sparse runs and
 * the tail past the initialized size read as zeros, and LZNT1 compression units decompressed.
 */
export class AttributeStream {
  readonly size: number;
  private readonly runs: Run[] = [];
  private readonly resident?: Buffer;
  private readonly initialized: number;
  /** Bytes per compression unit, 0 when not compressed. */
  private readonly unitSize: number;
  private readonly encrypted: boolean;

  constructor(
    private readonly geo: VolumeGeometry,
    extents: Attribute[],
    private readonly what: string,
  ) {
    const first = extents[0];
    const file = geo.source.description;
    if (!first) throw new ImageFormatError(file, what, -1, "an attribute");
    this.encrypted = (first.flags & 0x4000) !== 0;
    if (first.resident) {
      this.resident = first.resident;
      this.size = first.resident.length;
      this.initialized = this.size;
      this.unitSize = 0;
      return;
    }
    const nr = first.nonResident!;
    this.size = nr.dataSize;
    this.initialized = Math.min(nr.initializedSize, nr.dataSize);
    const compressed = (first.flags & 0x00ff) !== 0 && nr.compressionUnit > 0;
    if (compressed && (nr.compressionUnit > 8 || geo.clusterSize > 4096))
      throw new ImageFormatError(
        file,
        what,
        nr.mappingPairsOffset,
        "a compression unit of at most 256 clusters of <= 4 KiB",
      );
    this.unitSize = compressed ? geo.clusterSize << nr.compressionUnit : 0;
    const maxClusters = Math.ceil(nr.allocatedSize / geo.clusterSize);
    if (nr.dataSize > nr.allocatedSize && !compressed)
      throw new ImageFormatError(file, what, nr.mappingPairsOffset, "a data size within the allocated size");
    let nextVcn = 0;
    for (const e of [...extents].sort((a, b) => a.nonResident!.lowestVcn - b.nonResident!.lowestVcn)) {
      const x = e.nonResident;
      if (!x || x.lowestVcn !== nextVcn || x.highestVcn < x.lowestVcn - 1 || x.highestVcn >= maxClusters)
        throw new ImageFormatError(
          file,
          what,
          x?.mappingPairsOffset ?? -1,
          `extents covering VCNs from ${nextVcn} in order`,
        );
      const runs = decodeRunlist(
        x.mappingPairs,
        x.lowestVcn,
        x.highestVcn,
        geo.totalClusters,
        file,
        x.mappingPairsOffset,
      );
      for (const r of runs) this.runs.push(r);
      nextVcn = x.highestVcn + 1;
    }
  }

  /** Reads [offset, offset + length) of the attribute's value, clamped to its size. */
  async read(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(this.size, offset + length);
    if (offset >= end) return Buffer.alloc(0);
    if (this.resident) return this.resident.subarray(offset, end);
    if (this.encrypted)
      throw new ImageFormatError(
        this.geo.source.description,
        this.what,
        -1,
        "an unencrypted stream (EFS is not read)",
      );
    const out = Buffer.alloc(end - offset);
    if (this.unitSize) await this.readCompressed(offset, out);
    else await this.readClusters(offset, out, Math.max(0, Math.min(end, this.initialized) - offset));
    return out;
  }

  /**
   * The stream's bytes as runs of the volume: pairs (volume offset, length), `size` bytes in all,
   * offset -1 for zeros (sparse runs, unmapped VCNs, the tail past the initialized size), as
   * readClusters reads them. Undefined when they do not lie there as they are (resident,
   * compressed, encrypted).
   */
  volumeRuns(): number[] | undefined {
    if (this.resident || this.unitSize || this.encrypted) return undefined;
    const cs = this.geo.clusterSize;
    const out: number[] = [];
    let at = 0;
    for (const r of this.runs) {
      const start = r.vcn * cs;
      const end = Math.min(this.initialized, (r.vcn + r.length) * cs);
      if (start >= end) break;
      if (start > at) pushRun(out, -1, start - at);
      pushRun(out, r.lcn === null ? -1 : r.lcn * cs, end - start);
      at = end;
    }
    if (at < this.size) pushRun(out, -1, this.size - at);
    return out;
  }

  /** Byte offset in the volume of stream byte `offset` (-1 when resident, sparse or compressed). */
  offsetOf(offset: number): number {
    if (this.resident || this.unitSize) return -1;
    const cs = this.geo.clusterSize;
    const r = this.runs[this.findRun(Math.floor(offset / cs))];
    return r && r.lcn !== null ? r.lcn * cs + offset - r.vcn * cs : -1;
  }

  private findRun(vcn: number): number {
    let lo = 0;
    let hi = this.runs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.runs[mid]!;
      if (vcn < r.vcn) hi = mid - 1;
      else if (vcn >= r.vcn + r.length) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  /** Copies raw clusters into out[0, limit) from byte `offset`; holes and unmapped VCNs stay zero. */
  private async readClusters(offset: number, out: Buffer, limit: number): Promise<void> {
    const cs = this.geo.clusterSize;
    let done = 0;
    while (done < limit) {
      const pos = offset + done;
      const vcn = Math.floor(pos / cs);
      const i = this.findRun(vcn);
      const r = i >= 0 ? this.runs[i]! : undefined;
      const runEnd = r ? (r.vcn + r.length) * cs : (vcn + 1) * cs;
      const n = Math.min(limit - done, runEnd - pos);
      if (r && r.lcn !== null) {
        const bytes = await this.geo.source.read(r.lcn * cs + (pos - r.vcn * cs), n);
        bytes.copy(out, done);
      }
      done += n;
    }
  }

  /**
   * A compression unit whose clusters are all allocated is stored raw; one that ends in a sparse
   * run holds LZNT1 data in its allocated clusters; one entirely sparse is zeros.
   */
  private async readCompressed(offset: number, out: Buffer): Promise<void> {
    const cs = this.geo.clusterSize;
    const unit = this.unitSize;
    const unitClusters = unit / cs;
    const buf = Buffer.alloc(unit);
    for (let u = Math.floor(offset / unit) * unit; u < offset + out.length; u += unit) {
      const firstVcn = u / cs;
      let allocated = 0;
      for (let v = firstVcn; v < firstVcn + unitClusters; ) {
        const i = this.findRun(v);
        const r = i >= 0 ? this.runs[i]! : undefined;
        const n = r ? Math.min(r.vcn + r.length, firstVcn + unitClusters) - v : 1;
        if (r && r.lcn !== null) allocated += n;
        v += n;
      }
      buf.fill(0);
      if (allocated === unitClusters) await this.readClusters(u, buf, unit);
      else if (allocated > 0) {
        const packed = Buffer.alloc(allocated * cs);
        await this.readClusters(u, packed, packed.length);
        decompressLznt1(packed, buf, this.geo.source.description, -1);
      }
      const from = Math.max(u, offset);
      const to = Math.min(u + unit, offset + out.length);
      buf.copy(out, from - offset, from - u, to - u);
    }
  }
}
