import { ImageFormatError } from "../../../io/errors.js";
import { BASE_BLOCK_SIZE } from "./base-block.js";

const HBIN_HEADER = 32;

interface Bin {
  /** Relative to the first hive bin (the cell-offset space). */
  start: number;
  end: number;
}

/**
 * The hive bins ("hbin", 4096-byte multiples) and the cells inside them. Every cell offset in
 * the hive is relative to the first bin; a cell must lie wholly inside one bin.
 */
export class HiveBins {
  private readonly bins: Bin[] = [];
  /** Why the bin walk stopped early, if it did (truncated or corrupt). */
  readonly stopReason: string | undefined;

  constructor(
    private readonly buf: Buffer,
    readonly file: string,
    claimedSize: number,
  ) {
    const limit = Math.min(
      buf.length - BASE_BLOCK_SIZE,
      claimedSize > 0 ? claimedSize : Number.MAX_SAFE_INTEGER,
    );
    let at = 0;
    let reason: string | undefined;
    while (at + HBIN_HEADER <= limit) {
      const abs = BASE_BLOCK_SIZE + at;
      if (buf.toString("latin1", abs, abs + 4) !== "hbin") {
        reason = `no "hbin" signature at offset ${abs}`;
        break;
      }
      const size = buf.readUInt32LE(abs + 8);
      if (size < 4096 || size % 4096 !== 0 || at + size > buf.length - BASE_BLOCK_SIZE) {
        reason = `hbin at offset ${abs} has bad size ${size}`;
        break;
      }
      this.bins.push({ start: at, end: at + size });
      at += size;
    }
    if (reason === undefined && at < claimedSize)
      reason = `hive bins end at ${at}, header claims ${claimedSize}`;
    this.stopReason = reason;
    if (this.bins.length === 0) {
      throw new ImageFormatError(file, "regf hive bin", BASE_BLOCK_SIZE, reason ?? 'an "hbin" block');
    }
  }

  /** Total bytes of readable hive bins. */
  get size(): number {
    return this.bins[this.bins.length - 1]!.end;
  }

  private binOf(offset: number): Bin | undefined {
    let lo = 0;
    let hi = this.bins.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = this.bins[mid]!;
      if (offset < b.start) hi = mid - 1;
      else if (offset >= b.end) lo = mid + 1;
      else return b;
    }
    return undefined;
  }

  /**
   * The data of the cell at `offset` (without its 4-byte size). A negative size marks an
   * allocated cell; a free cell is returned as well (deleted data can still be referenced by
   * a dirty hive) but never beyond its bin.
   */
  cell(offset: number, structure: string): Buffer {
    const bin = offset >= 0 ? this.binOf(offset) : undefined;
    if (!bin || offset < bin.start + HBIN_HEADER || offset + 4 > bin.end) {
      throw new ImageFormatError(
        this.file,
        structure,
        BASE_BLOCK_SIZE + offset,
        "a cell offset inside a hive bin",
      );
    }
    const abs = BASE_BLOCK_SIZE + offset;
    const raw = this.buf.readInt32LE(abs);
    const size = Math.abs(raw);
    if (size < 8 || offset + size > bin.end) {
      throw new ImageFormatError(this.file, structure, abs, `a cell size within its bin (got ${raw})`);
    }
    return this.buf.subarray(abs + 4, abs + size);
  }

  /** Absolute file offset of a cell, for error messages. */
  absolute(offset: number): number {
    return BASE_BLOCK_SIZE + offset;
  }
}
