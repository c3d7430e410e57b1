import type { ByteSource } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";
import { type NtfsBoot, parseBoot } from "./boot.js";
import { type Attribute, AttrType, type MftRecord, mftRecordNumber, parseMftRecord } from "./record.js";
import { AttributeStream, type VolumeGeometry } from "./stream.js";

/** Well-known MFT records (Linux-NTFS "System files"). */
export const MFT_RECORD = { mft: 0, root: 5, upcase: 10, firstUser: 16 } as const;
/** An $ATTRIBUTE_LIST larger than this is not one Windows writes (each entry names one extent). */
const MAX_ATTRIBUTE_LIST = 1 << 20;
const FILE_CACHE = 2048;

/** A base MFT record with the attributes of all its extension records gathered. */
export interface NtfsFile {
  number: number;
  isDirectory: boolean;
  attributes: Attribute[];
}

export class NtfsVolume implements VolumeGeometry {
  readonly clusterSize: number;
  readonly totalClusters: number;
  readonly file: string;
  private mft!: AttributeStream;
  private upcase?: Uint16Array;
  private readonly files = new Map<number, NtfsFile>();

  private constructor(
    readonly source: ByteSource,
    readonly boot: NtfsBoot,
  ) {
    this.clusterSize = boot.clusterSize;
    this.totalClusters = boot.totalClusters;
    this.file = source.description;
  }

  static async open(source: ByteSource): Promise<NtfsVolume> {
    if (source.size < 512)
      throw new ImageFormatError(source.description, "NTFS boot sector", 0, "a 512-byte sector");
    const vol = new NtfsVolume(source, parseBoot(await source.read(0, 512), source.description, source.size));
    await vol.loadMft();
    return vol;
  }

  get recordCount(): number {
    return Math.floor(this.mft.size / this.boot.mftRecordSize);
  }

  /** $MFT describes itself: record 0's $DATA (and, on large volumes, its extension records). */
  private async loadMft(): Promise<void> {
    const size = this.boot.mftRecordSize;
    const at = this.boot.mftLcn * this.clusterSize;
    if (at + size > this.source.size)
      throw new ImageFormatError(this.file, "$MFT", at, "the $MFT inside the volume");
    const rec0 = parseMftRecord(await this.source.read(at, size), 0, this.file, at);
    const data = (r: MftRecord) => r.attributes.filter((a) => a.type === AttrType.data && a.name === "");
    const first = data(rec0).filter((a) => a.nonResident?.lowestVcn === 0);
    if (first.length !== 1)
      throw new ImageFormatError(this.file, "MFT record 0", at, "a non-resident $DATA for $MFT");
    this.mft = new AttributeStream(this, first, "$MFT $DATA");
    if (rec0.attributes.some((a) => a.type === AttrType.attributeList)) {
      const whole = await this.gather(rec0);
      this.mft = new AttributeStream(this, data({ ...rec0, attributes: whole }), "$MFT $DATA");
    }
  }

  /** Reads and fixes up MFT record `n`. */
  async readRecord(n: number): Promise<MftRecord> {
    const size = this.boot.mftRecordSize;
    if (!Number.isSafeInteger(n) || n < 0 || n >= this.recordCount)
      throw new ImageFormatError(
        this.file,
        "$MFT",
        -1,
        `a record number below ${this.recordCount} (got ${n})`,
      );
    const buf = await this.mft.read(n * size, size);
    return parseMftRecord(Buffer.from(buf), n, this.file, this.mft.offsetOf(n * size));
  }

  /** Byte offset in the volume of MFT record `n` (-1 if not mapped). */
  recordOffset(n: number): number {
    return this.mft.offsetOf(n * this.boot.mftRecordSize);
  }

  /** The base record `n` with all its attributes, cached. */
  async loadFile(n: number): Promise<NtfsFile> {
    const hit = this.files.get(n);
    if (hit) return hit;
    const rec = await this.readRecord(n);
    if (!rec.inUse || rec.baseRecord !== 0)
      throw new ImageFormatError(
        this.file,
        `MFT record ${n}`,
        -1,
        "a base record in use (directory entry is stale)",
      );
    const file: NtfsFile = { number: n, isDirectory: rec.isDirectory, attributes: await this.gather(rec) };
    if (this.files.size >= FILE_CACHE) this.files.delete(this.files.keys().next().value as number);
    this.files.set(n, file);
    return file;
  }

  /**
   * Attributes of a base record plus those its $ATTRIBUTE_LIST places in extension records. Each
   * extension record is read once and must name this record as its base, so lists that point in
   * circles or at other files end in an error instead of a loop.
   */
  private async gather(base: MftRecord): Promise<Attribute[]> {
    const listAttr = base.attributes.find((a) => a.type === AttrType.attributeList);
    if (!listAttr) return base.attributes;
    const stream = new AttributeStream(this, [listAttr], `MFT record ${base.number} $ATTRIBUTE_LIST`);
    if (stream.size > MAX_ATTRIBUTE_LIST)
      throw new ImageFormatError(
        this.file,
        `MFT record ${base.number} $ATTRIBUTE_LIST`,
        -1,
        `at most ${MAX_ATTRIBUTE_LIST} bytes`,
      );
    const list = await stream.read(0, stream.size);
    const records = new Set<number>();
    for (let pos = 0; pos + 0x1a <= list.length; ) {
      const len = list.readUInt16LE(pos + 4);
      if (len < 0x1a || pos + len > list.length)
        throw new ImageFormatError(
          this.file,
          `MFT record ${base.number} $ATTRIBUTE_LIST`,
          -1,
          `an entry length at ${pos}`,
        );
      const ref = mftRecordNumber(list.readBigUInt64LE(pos + 0x10));
      if (ref !== base.number) records.add(ref);
      pos += len;
    }
    const attributes = [...base.attributes.filter((a) => a.type !== AttrType.attributeList)];
    for (const n of records) {
      const ext = n === 0 && base.number !== 0 ? undefined : await this.readRecord(n);
      if (!ext || ext.baseRecord !== base.number)
        throw new ImageFormatError(
          this.file,
          `MFT record ${n}`,
          -1,
          `an extension record of record ${base.number}`,
        );
      attributes.push(...ext.attributes);
    }
    return attributes;
  }

  /** All extents of one attribute (type + name) as a stream. */
  stream(file: NtfsFile, type: number, name = ""): AttributeStream | undefined {
    const extents = file.attributes.filter((a) => a.type === type && a.name === name);
    return extents.length
      ? new AttributeStream(this, extents, `MFT record ${file.number} attribute 0x${type.toString(16)}`)
      : undefined;
  }

  /** The $UpCase table (record 10): one upper-case UTF-16 code unit per code unit. */
  async upcaseTable(): Promise<Uint16Array | undefined> {
    if (this.upcase) return this.upcase;
    try {
      const s = this.stream(await this.loadFile(MFT_RECORD.upcase), AttrType.data);
      if (!s) return undefined;
      if (s.size !== 131072) return undefined;
      const b = await s.read(0, 131072);
      const t = new Uint16Array(65536);
      for (let i = 0; i < 65536; i++) t[i] = b.readUInt16LE(i * 2);
      this.upcase = t;
      return t;
    } catch {
      return undefined; // damaged $UpCase: fall back to Unicode upper-casing
    }
  }
}
