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
  private readonly count: number;
  private readonly entryBytes: 4 | 8;
  private readonly tableBytes: number;
  /** A window of the chunk table (entries from `first`): the table of a large file is megabytes. */
  private window?: { first: number; entries: Buffer };
  private cached?: { index: number; bytes: Buffer };

  constructor(
    private readonly compressed: AttributeStream,
    readonly size: number,
    private readonly chunking: WofChunking,
    /** The image file, and the record and stream, for errors. */
    private readonly file: string,
    private readonly what: string,
  ) {
    this.count = Math.ceil(size / chunking.chunkSize);
    this.entryBytes = size >= 2 ** 32 ? 8 : 4;
    this.tableBytes = Math.max(0, this.count - 1) * this.entryBytes;
    if (this.tableBytes > compressed.size)
      throw this.bad(`${this.count - 1} chunk offsets (the stream holds ${compressed.size} bytes)`);
  }

  private bad(expected: string): ImageFormatError {
    return new ImageFormatError(this.file, `${this.what} chunk table`, -1, expected);
  }

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
    const start = await this.chunkStart(index);
    const stored = (await this.chunkStart(index + 1)) - start;
    const size = Math.min(this.chunking.chunkSize, this.size - index * this.chunking.chunkSize);
    if (stored <= 0 || stored > size)
      throw this.bad(`chunk ${index} stored in 1 to ${size} bytes (offsets ${start} to ${start + stored})`);
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

  /**
   * Where chunk `index` starts in the stream (for index = count: where the last ends). Entry i - 1
   * of the table gives chunk i's start, counted from the table's end; the table is read a window
   * of up to 4,096 entries at a time.
   */
  private async chunkStart(index: number): Promise<number> {
    if (index === 0) return this.tableBytes;
    if (index >= this.count) return this.compressed.size;
    const entry = index - 1;
    let w = this.window;
    if (!w || entry < w.first || entry >= w.first + w.entries.length / this.entryBytes) {
      const first = entry - (entry % 4096);
      const n = Math.min(4096, this.count - 1 - first);
      w = { first, entries: await this.compressed.read(first * this.entryBytes, n * this.entryBytes) };
      this.window = w;
    }
    const at = (entry - w.first) * this.entryBytes;
    return (
      this.tableBytes +
      (this.entryBytes === 8 ? Number(w.entries.readBigUInt64LE(at)) : w.entries.readUInt32LE(at))
    );
  }
}
