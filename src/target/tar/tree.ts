import { promises as fsp, fstatSync, readSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import os from "node:os";
import { Readable } from "node:stream";
import { sliceSource } from "../../container/disk/util.js";
import type { DirEntry, EntryStat, FileStat, FileTree, HostExtents } from "../../fs/filetree.js";
import { wholeFileBuffer } from "../../fs/filetree.js";
import { splitImagePath } from "../../fs/path.js";
import { type ByteSource, checkReadRange } from "../../io/bytes.js";
import { FsError, ImageFormatError } from "../../io/errors.js";
import { fdByteSource } from "../../io/file.js";
import {
  type Compression,
  decompressedChunks,
  decompressToFile,
  detectCompression,
  type InflateBound,
  inflateBoundFromEnv,
  nativeDecompressor,
} from "./decompress.js";
import { takeEarlyDecompression } from "./early.js";
import { type DataLocation, IndexFull, type SuspiciousEntry, TarIndex } from "./index-builder.js";
import { readTar, type SkippedRegion, type TarEntry } from "./parse.js";
import { ChunkReader, fileSource, growingFileSource, iteratorSource } from "./reader.js";
import { SpillFile } from "./spill.js";

const READ_CHUNK = 256 * 1024;
/**
 * Past this many entries the rest of the archive is left out, so a hostile archive of millions
 * of empty entries cannot exhaust memory (the index holds ~70 bytes per entry plus its name).
 * Real root filesystems have 10^4 to a few 10^5 entries.
 */
export const MAX_TAR_ENTRIES = 2_000_000;
/**
 * The index's memory bound, whatever the entries: long names, deep paths (each component is a
 * directory) and sparse maps count too. 2,000,000 short entries take ~160 MiB.
 */
export const MAX_TAR_INDEX_BYTES = 256 * 1024 * 1024;
/** ImageFormatError.structure when the archive has more entries than the index holds. */
export const ENTRY_LIMIT = "tar index";
/** At most this many damaged regions are listed (each is skipped all the same); the rest are counted. */
export const MAX_SKIPPED_LISTED = 100;

export interface TarOpenOptions {
  tmpDir?: string;
  /**
   * Damage does not throw: a header with a bad checksum is skipped to the next valid one (listed
   * in `skipped`); truncation, a bound reached or other damage ends the index there (`damage`).
   */
  partial?: boolean;
  maxEntries?: number;
  /** Bytes the index may hold (MAX_TAR_INDEX_BYTES). */
  maxIndexBytes?: number;
  /** Decompression bomb bound (default: inflateBoundFromEnv()). */
  inflate?: InflateBound;
}

/**
 * A tar archive (plain, gzip, xz or zstd, told from its magic bytes) as a FileTree. One pass
 * indexes it; file data stays on disk: read from the archive itself when it is a plain tar, or
 * from a temporary spill file when it is compressed (the whole tar, decompressed by the gzip/xz/
 * zstd program; or, without the program, the files' data written during the indexing pass).
 */
export class TarTree implements FileTree {
  readonly description: string;
  private closed = false;

  private constructor(
    readonly file: string,
    readonly compression: Compression,
    private readonly index: TarIndex,
    private readonly archive: FileHandle,
    private readonly spill: SpillFile | undefined,
    /** With `partial`: where the archive stopped making sense; the tree holds the entries before it. */
    readonly damage: ImageFormatError | undefined,
    /** With `partial`: regions after a damaged header that were passed over (the first MAX_SKIPPED_LISTED). */
    readonly skipped: readonly SkippedRegion[],
    readonly skippedOmitted: number,
  ) {
    this.description = `tar archive ${file}${compression === "none" ? "" : ` (${compression})`}`;
  }

  /**
   * Entries whose extraction writes outside the root (absolute names, ".." components, hard links
   * with ".." in their target): kept out of the tree. Reported by rule archive-unsafe-entry.
   */
  get unsafeEntries(): readonly SuspiciousEntry[] {
    return this.index.unsafe;
  }
  get unsafeOmitted(): number {
    return this.index.unsafeOmitted;
  }
  /** Other entries kept out of the tree: paths through symlinks, hard links to missing entries. */
  get suspiciousEntries(): readonly SuspiciousEntry[] {
    return this.index.suspicious;
  }
  get suspiciousOmitted(): number {
    return this.index.suspiciousOmitted;
  }
  /** Bytes the index holds in memory. */
  get indexBytes(): number {
    return this.index.bytes;
  }

  /**
   * Indexes `file`. A corrupt or truncated archive throws ImageFormatError, unless `partial` is
   * set: then the entries before the damage form the tree and the error is kept in `damage`, and
   * headers with a bad checksum are skipped over (`skipped`) instead of ending the index.
   */
  static async open(file: string, options: TarOpenOptions = {}): Promise<TarTree> {
    const archive = await fsp.open(file, "r");
    const maxEntries = options.maxEntries ?? MAX_TAR_ENTRIES;
    const maxBytes = options.maxIndexBytes ?? MAX_TAR_INDEX_BYTES;
    const inflate = options.inflate ?? inflateBoundFromEnv();
    const index = new TarIndex(maxBytes);
    let entries = 0;
    const add = (entry: TarEntry, offset: number): boolean => {
      if (++entries > maxEntries)
        throw new ImageFormatError(file, ENTRY_LIMIT, entry.headerOffset, `at most ${maxEntries} entries`);
      try {
        return index.add(entry, offset);
      } catch (e) {
        if (!(e instanceof IndexFull)) throw e;
        throw new ImageFormatError(
          file,
          ENTRY_LIMIT,
          entry.headerOffset,
          `an index of at most ${Math.round(maxBytes / 1024 / 1024)} MiB (${entries - 1} entries held it)`,
        );
      }
    };
    const skipped: SkippedRegion[] = [];
    let skippedOmitted = 0;
    const readOptions = options.partial
      ? {
          onSkip: (region: SkippedRegion) => {
            if (skipped.length < MAX_SKIPPED_LISTED) skipped.push(region);
            else skippedOmitted++;
          },
        }
      : {};
    let spill: SpillFile | undefined;
    let damage: ImageFormatError | undefined;
    const tolerate = async (pass: Promise<void>) => {
      try {
        await pass;
      } catch (e) {
        if (!(options.partial && e instanceof ImageFormatError)) throw e;
        damage = e;
      }
    };
    try {
      const archiveStat = await archive.stat();
      const { size } = archiveStat;
      if (size === 0) throw new ImageFormatError(file, "tar header", 0, "a tar archive (the file is empty)");
      const head = Buffer.alloc(8);
      await archive.read(head, 0, 8, 0);
      const compression = detectCompression(head);
      if (compression === "none") {
        const reader = new ChunkReader(fileSource(archive, size));
        await tolerate(
          readTar(
            reader,
            file,
            (entry) => {
              add(entry, entry.dataOffset);
              return undefined;
            },
            readOptions,
          ),
        );
      } else {
        const tmpDir = options.tmpDir ?? os.tmpdir();
        // gzip stays in process: node's zlib is as fast as the gzip program and says at which
        // offset a damaged stream fails.
        const program = compression === "gzip" ? undefined : nativeDecompressor(compression);
        // The CLI may have started the program already (early.ts); any other is stopped here.
        const early = program ? takeEarlyDecompression(archiveStat, program, tmpDir, inflate) : undefined;
        const store = early?.spill ?? SpillFile.create(tmpDir);
        spill = store;
        if (program) {
          // The program writes the whole tar into the spill file on another core while this one
          // indexes it as it grows, like a plain tar (headers read, data skipped by seeking).
          // Three times faster than piping every byte through this process, and the spill holds
          // the same bytes.
          const decompression =
            early?.decompression ?? decompressToFile(program, file, compression, store.fd, inflate);
          let indexing: { error: unknown } | undefined;
          try {
            await tolerate(
              readTar(
                new ChunkReader(growingFileSource(store.fd, decompression.finished)),
                file,
                (entry) => {
                  add(entry, entry.dataOffset);
                  return undefined;
                },
                readOptions,
              ),
            );
          } catch (e) {
            indexing = { error: e };
          }
          // The program's failure comes first, as when the index was read after it: the tar's
          // damage is most likely where the compressed data broke.
          const failure = await decompression.finished;
          if (failure && !options.partial) throw failure;
          if (indexing) throw indexing.error;
          if (failure) damage = failure;
        } else {
          const chunks = decompressedChunks(file, compression, inflate);
          try {
            await tolerate(
              readTar(
                new ChunkReader(iteratorSource(chunks)),
                file,
                (entry) => (add(entry, store.position) ? (chunk) => store.append(chunk) : undefined),
                readOptions,
              ),
            );
          } finally {
            await chunks.return(undefined); // closes the input file when the tar ends early or fails
          }
          await store.finish();
        }
      }
      index.trim();
      return new TarTree(file, compression, index, archive, spill, damage, skipped, skippedOmitted);
    } catch (e) {
      spill?.close();
      await archive.close();
      throw e;
    }
  }

  private lookup(p: string): number {
    if (this.closed) throw new FsError("EIO", p, "archive closed");
    let node = this.index.root;
    let walked = "";
    for (const part of splitImagePath(p)) {
      if (!this.index.isDir(node)) throw new FsError("ENOTDIR", walked || "/");
      const child = this.index.child(node, part);
      walked += `/${part}`;
      if (!child) throw new FsError("ENOENT", p);
      node = child;
    }
    return node;
  }

  async lstat(p: string): Promise<FileStat> {
    return this.index.stat(this.lookup(p));
  }

  async readdir(p: string): Promise<DirEntry[]> {
    const node = this.lookup(p);
    if (!this.index.isDir(node)) throw new FsError("ENOTDIR", p);
    return this.index.children(node).map(({ name, ino }) => ({ name, type: this.index.typeOf(ino) }));
  }

  /** For walks: each entry's stat from the index by number, not by looking its path up again. */
  async readdirStats(p: string): Promise<EntryStat[]> {
    const node = this.lookup(p);
    if (!this.index.isDir(node)) throw new FsError("ENOTDIR", p);
    return this.index.children(node).map(({ name, ino }) => ({ name, stat: this.index.stat(ino) }));
  }

  async readlink(p: string): Promise<string> {
    const target = this.index.linkTarget(this.lookup(p));
    if (target === undefined) throw new FsError("EINVAL", p, "not a symlink");
    return target;
  }

  async readFile(p: string, options: { maxBytes: number; scratch?: Buffer }): Promise<Buffer> {
    const { data, size } = this.regular(p);
    if (size > options.maxBytes) throw new FsError("EFBIG", p, `${size} bytes > ${options.maxBytes}`);
    if (!data.sparse) return this.readStored(data, p, size, options.scratch);
    const out = Buffer.alloc(size);
    let filled = 0;
    for await (const piece of this.pieces(data, size, p, 0, size)) {
      piece.copy(out, filled);
      filled += piece.length;
    }
    return out;
  }

  createReadStream(p: string, options?: { start?: number; end?: number }): Readable {
    const { data, size } = this.regular(p);
    const start = Math.max(0, options?.start ?? 0);
    const end = Math.min(size, options?.end ?? size);
    return Readable.from(this.pieces(data, size, p, start, Math.max(start, end)), { objectMode: false });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.spill?.close();
    await this.archive.close();
  }

  /** `p`'s data and size; `known` is the walk's inode number for it, when it is a regular file's. */
  private regular(p: string, known?: number): { data: DataLocation; size: number } {
    const ino = known !== undefined && this.index.data(known) ? known : this.lookup(p);
    if (this.index.isDir(ino)) throw new FsError("EISDIR", p);
    const data = this.index.data(ino);
    if (!data) throw new FsError("EINVAL", p, `not a regular file (${this.index.typeOf(ino)})`);
    return { data, size: this.index.stat(ino).size };
  }

  /** Where file data is: the archive itself (plain tar) or the spill file (compressed). */
  private get store(): number {
    return this.spill ? this.spill.fd : this.archive.fd;
  }

  private storeBytes?: number;

  /**
   * Where a regular file's bytes lie in the host file, so the content threads read them
   * themselves: one run in the archive (plain tar) or the spill file (compressed), which no longer
   * grows once the tree is open. None for a sparse file or for data the store does not hold whole
   * (a truncated archive: read here, the read says so). `ino` is the walk's number for `p`.
   */
  async hostExtents(p: string, ino?: number): Promise<HostExtents | undefined> {
    const { data, size } = this.regular(p, ino);
    if (data.sparse) return undefined;
    const fd = this.store;
    this.storeBytes ??= fstatSync(fd).size;
    if (data.offset + size > this.storeBytes) return undefined;
    return { fd, size, runs: size > 0 ? [data.offset, size] : [] };
  }

  /**
   * A regular file's bytes as a ByteSource read where they are stored, for a disk image inside the
   * archive (an OVA's VMDK): a slice of the archive or spill file, which another thread may read
   * itself (hostFile), or for a sparse file its segments with holes as zeros. Valid until the tree
   * closes; closing the source leaves the tree's file open. Throws FsError when the archive ends
   * inside the file's data.
   */
  memberSource(p: string): ByteSource {
    const { data, size } = this.regular(p);
    const fd = this.store;
    this.storeBytes ??= fstatSync(fd).size;
    const stored = data.sparse ? data.sparse.reduce((n, s) => n + s.length, 0) : size;
    if (data.offset + stored > this.storeBytes)
      throw new FsError("EIO", p, "the archive ends inside the file's data");
    const description = `${this.file}: ${p.replace(/^\//, "")}`;
    // The store's descriptor is the tree's: the whole-store source is never closed, only its slices.
    const store = fdByteSource(fd, this.file, this.storeBytes);
    if (!data.sparse) return sliceSource(store, data.offset, size, description);
    return sparseSource(store, data.offset, data.sparse, size, description);
  }

  /**
   * A whole non-sparse file in one buffer, read straight from where it is stored: into `scratch`
   * when it fits (a pass over many files then makes no buffer per file).
   */
  private readStored(data: DataLocation, p: string, size: number, scratch?: Buffer): Buffer {
    const fd = this.store;
    const out = wholeFileBuffer(size, scratch);
    let filled = 0;
    while (filled < size) {
      const n = readSync(fd, out, filled, size - filled, data.offset + filled);
      if (n === 0) throw new FsError("EIO", p, "the archive ends inside the file's data");
      filled += n;
    }
    return out;
  }

  /** The bytes [start, end) of a file: stored segments read from disk, holes as zeros. */
  private async *pieces(
    data: DataLocation,
    size: number,
    p: string,
    start: number,
    end: number,
  ): AsyncGenerator<Buffer> {
    const fd = this.store;
    const segments = data.sparse ?? [{ offset: 0, length: size }];
    let stored = data.offset;
    let pos = start;
    for (const seg of [...segments, { offset: size, length: 0 }]) {
      if (pos >= end) return;
      for (; pos < Math.min(seg.offset, end); ) {
        const n = Math.min(READ_CHUNK, Math.min(seg.offset, end) - pos);
        yield Buffer.alloc(n);
        pos += n;
      }
      const segEnd = Math.min(seg.offset + seg.length, end);
      while (pos < segEnd) {
        if (this.closed) throw new FsError("EIO", p, "archive closed");
        const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, segEnd - pos));
        // Synchronous like the index pass: local reads, one after another.
        const bytesRead = readSync(fd, buf, 0, buf.length, stored + (pos - seg.offset));
        if (bytesRead < buf.length) throw new FsError("EIO", p, "the archive ends inside the file's data");
        yield buf;
        pos += buf.length;
      }
      stored += seg.length;
    }
  }
}

/**
 * A sparse tar member as a source: `segments` (ordered, checked by the parser) stored back to
 * back from `offset` in `store`, zeros elsewhere. Not a host file's bytes as they lie, so no
 * hostFile: another thread reads it through this one.
 */
function sparseSource(
  store: ByteSource,
  offset: number,
  segments: readonly { offset: number; length: number }[],
  size: number,
  description: string,
): ByteSource {
  const storedAt: number[] = [];
  let stored = offset;
  for (const s of segments) {
    storedAt.push(stored);
    stored += s.length;
  }
  const fill = async (at: number, target: Buffer): Promise<void> => {
    target.fill(0);
    const end = at + target.length;
    // The first segment that ends past `at` (binary search: a sparse disk has many segments).
    let lo = 0;
    let hi = segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = segments[mid]!;
      if (s.offset + s.length <= at) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < segments.length && segments[i]!.offset < end; i++) {
      const s = segments[i]!;
      const from = Math.max(at, s.offset);
      const to = Math.min(end, s.offset + s.length);
      if (to > from)
        await store.readInto!(storedAt[i]! + (from - s.offset), target.subarray(from - at, to - at));
    }
  };
  return {
    description,
    size,
    async read(at: number, length: number): Promise<Buffer> {
      checkReadRange(description, size, at, length, "the file's");
      const out = Buffer.allocUnsafe(length);
      await fill(at, out);
      return out;
    },
    async readInto(at: number, target: Buffer): Promise<void> {
      checkReadRange(description, size, at, target.length, "the file's");
      await fill(at, target);
    },
    close: async () => {},
  };
}
