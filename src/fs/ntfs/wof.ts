import { FsError, ImageFormatError } from "../../io/errors.js";
import { decompressLzx } from "./lzx.js";
import type { AttributeStream } from "./stream.js";
import { decompressXpressHuffman } from "./xpress-huffman.js";

/** Decodes one chunk: `out` is filled exactly, or a typed error names `file` and `offset`. */
type ChunkDecoder = (input: Buffer, out: Buffer, file: string, offset: number) => void;

/** A reparse point whose file's bytes are not in its unnamed $DATA (MS-FSCC 2.1.2.1). */
export const IO_REPARSE_TAG_WOF = 0x80000017;
export const IO_REPARSE_TAG_DEDUP = 0x80000013;

/** Where WOF keeps a compressed file's bytes: a named $DATA stream of the file itself. */
export const WOF_STREAM = "WofCompressedData";

/** The bytes of a file, wherever they are kept: its $DATA, or WOF's compressed stream. */
export interface FileBytes {
  readonly size: number;
  read(offset: number, length: number): Promise<Buffer>;
  /** Where the bytes lie in the volume as they are; undefined when they must be decoded first. */
  volumeRuns(): number[] | undefined;
}

const WOF_PROVIDER_WIM = 1;
const WOF_PROVIDER_FILE = 2;
/** FILE_PROVIDER_COMPRESSION_* by number: the algorithm, its chunk size and decoder. */
const ALGORITHMS: ReadonlyArray<WofChunking> = [
  { name: "XPRESS4K", chunkSize: 4096, decode: decompressXpressHuffman },
  { name: "LZX", chunkSize: 32768, decode: decompressLzx },
  { name: "XPRESS8K", chunkSize: 8192, decode: decompressXpressHuffman },
  { name: "XPRESS16K", chunkSize: 16384, decode: decompressXpressHuffman },
];

export interface WofChunking {
  name: string;
  chunkSize: number;
  decode: ChunkDecoder;
}

/**
 * How a WOF reparse point says the file is kept: WOF_EXTERNAL_INFO (version, provider) then, for
 * the file provider, FILE_PROVIDER_EXTERNAL_INFO_V1 (version, algorithm). What amigate does not
 * decode (files backed by a WIM elsewhere, an unknown algorithm) is an FsError ENOTSUP: the file's
 * bytes are elsewhere, and reading its sparse $DATA would give zeros instead.
 */
export function wofChunking(reparse: Buffer, path: string): WofChunking {
  // The reparse buffer: tag (4), data length (2), reserved (2), then the data.
  if (reparse.length < 8 + 16) throw new FsError("ENOTSUP", path, "a WOF reparse point too short to read");
  const provider = reparse.readUInt32LE(12);
  if (provider === WOF_PROVIDER_WIM)
    throw new FsError("ENOTSUP", path, "its bytes are in a WIM file (WIMBoot), not read");
  const algorithm = reparse.readUInt32LE(20);
  const known = provider === WOF_PROVIDER_FILE ? ALGORITHMS[algorithm] : undefined;
  if (!known)
    throw new FsError(
      "ENOTSUP",
      path,
      `WOF provider ${provider} algorithm ${algorithm}, not one amigate reads`,
    );
  return known;
}

/**
 * A WOF-compressed file's bytes ("compact /exe", CompactOS): its unnamed $DATA is sparse with the
 * file's size, and the bytes are in its WofCompressedData stream as a table of chunk offsets
 * ((n - 1) entries, 4 bytes each, 8 when the file is 4 GiB or larger, counted from the table's
 * end) followed by the chunks, each compressed on its own or kept as is when that is no smaller.
 */
export class WofStream implements FileBytes {
  private starts?: Float64Array;
  private cached?: { index: number; bytes: Buffer };

  constructor(
    private readonly compressed: AttributeStream,
    readonly size: number,
    private readonly chunking: WofChunking,
    /** The image file, and the record and stream, for errors. */
    private readonly file: string,
    private readonly what: string,
  ) {}

  volumeRuns(): undefined {
    return undefined;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(this.size, offset + length);
    if (offset >= end) return Buffer.alloc(0);
    const out = Buffer.alloc(end - offset);
    for (let at = offset; at < end; ) {
      const index = Math.floor(at / this.chunking.chunkSize);
      const chunk = await this.chunk(index);
      const from = at - index * this.chunking.chunkSize;
      const n = Math.min(chunk.length - from, end - at);
      chunk.copy(out, at - offset, from, from + n);
      at += n;
    }
    return out;
  }

  /** Chunk `index`, decoded (the last one read is kept: reads come in pieces smaller than it). */
  private async chunk(index: number): Promise<Buffer> {
    if (this.cached?.index === index) return this.cached.bytes;
    const starts = await this.chunkStarts();
    const start = starts[index]!;
    const stored = starts[index + 1]! - start;
    const size = Math.min(this.chunking.chunkSize, this.size - index * this.chunking.chunkSize);
    const input = await this.compressed.read(start, stored);
    let bytes: Buffer;
    if (stored === size) bytes = input;
    else {
      bytes = Buffer.alloc(size);
      this.chunking.decode(input, bytes, this.file, this.compressed.offsetOf(start));
    }
    this.cached = { index, bytes };
    return bytes;
  }

  /** Where each chunk starts in the compressed stream, and where the last ends (n + 1 numbers). */
  private async chunkStarts(): Promise<Float64Array> {
    if (this.starts) return this.starts;
    const count = Math.ceil(this.size / this.chunking.chunkSize);
    const entry = this.size >= 2 ** 32 ? 8 : 4;
    const tableBytes = (count - 1) * entry;
    const bad = (expected: string) =>
      new ImageFormatError(this.file, `${this.what} chunk table`, -1, expected);
    if (tableBytes > this.compressed.size)
      throw bad(`${count - 1} chunk offsets (the stream holds ${this.compressed.size} bytes)`);
    const table = await this.compressed.read(0, tableBytes);
    const starts = new Float64Array(count + 1);
    starts[0] = tableBytes;
    for (let i = 1; i < count; i++)
      starts[i] =
        tableBytes +
        (entry === 8 ? Number(table.readBigUInt64LE((i - 1) * 8)) : table.readUInt32LE((i - 1) * 4));
    starts[count] = this.compressed.size;
    for (let i = 0; i < count; i++) {
      const stored = starts[i + 1]! - starts[i]!;
      const size = Math.min(this.chunking.chunkSize, this.size - i * this.chunking.chunkSize);
      if (stored <= 0 || stored > size)
        throw bad(`chunk ${i} stored in 1 to ${size} bytes (offsets ${starts[i]} to ${starts[i + 1]})`);
    }
    this.starts = starts;
    return starts;
  }
}
