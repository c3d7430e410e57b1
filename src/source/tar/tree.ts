import { promises as fsp, readSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import os from "node:os";
import { Readable } from "node:stream";
import { FsError, ImageFormatError } from "../../fs/errors.js";
import type { DirEntry, FileStat, FileTree } from "../../fs/filetree.js";
import { splitImagePath } from "../../fs/path.js";
import {
  type Compression,
  decompressedChunks,
  decompressToFile,
  detectCompression,
  nativeDecompressor,
} from "./decompress.js";
import { IndexBuilder, type Inode, type SuspiciousEntry } from "./index-builder.js";
import { readTar, type TarEntry } from "./parse.js";
import { ChunkReader, fileSource, iteratorSource } from "./reader.js";
import { SpillFile } from "./spill.js";

const READ_CHUNK = 256 * 1024;
/**
 * The index holds every entry in memory (~300 bytes each); past this many the rest of the
 * archive is left out, so a hostile archive of millions of empty entries cannot exhaust memory.
 * Real root filesystems have 10^4 to a few 10^5 entries.
 */
export const MAX_TAR_ENTRIES = 2_000_000;
/** ImageFormatError.structure when the archive has more entries than the index holds. */
export const ENTRY_LIMIT = "tar index";

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
    private readonly root: Inode,
    /** Entries kept out of the tree: absolute names, ".." components, paths through symlinks. */
    readonly suspiciousEntries: SuspiciousEntry[],
    readonly suspiciousOmitted: number,
    private readonly archive: FileHandle,
    private readonly spill: SpillFile | undefined,
    /** With `partial`: where the archive stopped making sense; the tree holds the entries before it. */
    readonly damage: ImageFormatError | undefined,
  ) {
    this.description = `tar archive ${file}${compression === "none" ? "" : ` (${compression})`}`;
  }

  /**
   * Indexes `file`. A corrupt or truncated archive throws ImageFormatError, unless `partial` is
   * set: then the entries before the damage form the tree and the error is kept in `damage`.
   */
  static async open(
    file: string,
    options: { tmpDir?: string; partial?: boolean; maxEntries?: number } = {},
  ): Promise<TarTree> {
    const archive = await fsp.open(file, "r");
    const maxEntries = options.maxEntries ?? MAX_TAR_ENTRIES;
    let entries = 0;
    const admit = (entry: TarEntry) => {
      if (++entries > maxEntries)
        throw new ImageFormatError(file, ENTRY_LIMIT, entry.headerOffset, `at most ${maxEntries} entries`);
    };
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
      const { size } = await archive.stat();
      if (size === 0) throw new ImageFormatError(file, "tar header", 0, "a tar archive (the file is empty)");
      const head = Buffer.alloc(8);
      await archive.read(head, 0, 8, 0);
      const compression = detectCompression(head);
      const builder = new IndexBuilder();
      if (compression === "none") {
        const reader = new ChunkReader(fileSource(archive, size));
        await tolerate(
          readTar(reader, file, (entry) => {
            admit(entry);
            builder.add(entry, { store: "archive", offset: entry.dataOffset, sparse: entry.sparse });
            return undefined;
          }),
        );
      } else {
        const store = await SpillFile.create(options.tmpDir ?? os.tmpdir());
        spill = store;
        // gzip stays in process: node's zlib is as fast as the gzip program and says at which
        // offset a damaged stream fails.
        const program = compression === "gzip" ? undefined : nativeDecompressor(compression);
        if (program) {
          // The program writes the whole tar into the spill file on another core; it is then
          // indexed like a plain tar (headers read, data skipped by seeking). Three times faster
          // than piping every byte through this process, and the spill holds the same bytes.
          const failure = await decompressToFile(program, file, compression, store.handle.fd);
          if (failure && !options.partial) throw failure;
          const { size } = await store.handle.stat();
          await tolerate(
            readTar(new ChunkReader(fileSource(store.handle, size)), file, (entry) => {
              admit(entry);
              builder.add(entry, { store: "spill", offset: entry.dataOffset, sparse: entry.sparse });
              return undefined;
            }),
          );
          if (failure) damage = failure;
        } else {
          const chunks = decompressedChunks(file, compression);
          try {
            await tolerate(
              readTar(new ChunkReader(iteratorSource(chunks)), file, (entry) => {
                admit(entry);
                const kept = builder.add(entry, {
                  store: "spill",
                  offset: store.position,
                  sparse: entry.sparse,
                });
                return kept ? (chunk) => store.append(chunk) : undefined;
              }),
            );
          } finally {
            await chunks.return(undefined); // closes the input file when the tar ends early or fails
          }
          await store.finish();
        }
      }
      return new TarTree(
        file,
        compression,
        builder.root,
        builder.suspicious,
        builder.suspiciousOmitted,
        archive,
        spill,
        damage,
      );
    } catch (e) {
      await spill?.close();
      await archive.close();
      throw e;
    }
  }

  private lookup(p: string): Inode {
    if (this.closed) throw new FsError("EIO", p, "archive closed");
    let node = this.root;
    let walked = "";
    for (const part of splitImagePath(p)) {
      if (!node.children) throw new FsError("ENOTDIR", walked || "/");
      const child = node.children.get(part);
      walked += `/${part}`;
      if (!child) throw new FsError("ENOENT", p);
      node = child;
    }
    return node;
  }

  async lstat(p: string): Promise<FileStat> {
    return { ...this.lookup(p).stat };
  }

  async readdir(p: string): Promise<DirEntry[]> {
    const node = this.lookup(p);
    if (!node.children) throw new FsError("ENOTDIR", p);
    return [...node.children].map(([name, child]) => ({ name, type: child.stat.type }));
  }

  async readlink(p: string): Promise<string> {
    const node = this.lookup(p);
    if (node.linkTarget === undefined) throw new FsError("EINVAL", p, "not a symlink");
    return node.linkTarget;
  }

  async readFile(p: string, options: { maxBytes: number }): Promise<Buffer> {
    const node = this.regular(p);
    const size = node.stat.size;
    if (size > options.maxBytes) throw new FsError("EFBIG", p, `${size} bytes > ${options.maxBytes}`);
    if (!node.data!.sparse) return this.readStored(node, p, size);
    const out = Buffer.alloc(size);
    let filled = 0;
    for await (const piece of this.pieces(node, p, 0, size)) {
      piece.copy(out, filled);
      filled += piece.length;
    }
    return out;
  }

  createReadStream(p: string, options?: { start?: number; end?: number }): Readable {
    const node = this.regular(p);
    const start = Math.max(0, options?.start ?? 0);
    const end = Math.min(node.stat.size, options?.end ?? node.stat.size);
    return Readable.from(this.pieces(node, p, start, Math.max(start, end)), { objectMode: false });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.spill?.close();
    await this.archive.close();
  }

  private regular(p: string): Inode {
    const node = this.lookup(p);
    if (node.children) throw new FsError("EISDIR", p);
    if (!node.data) throw new FsError("EINVAL", p, `not a regular file (${node.stat.type})`);
    return node;
  }

  /** A whole non-sparse file in one buffer, read straight from where it is stored. */
  private readStored(node: Inode, p: string, size: number): Buffer {
    const data = node.data!;
    const fd = (data.store === "archive" ? this.archive : this.spill!.handle).fd;
    const out = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const n = readSync(fd, out, filled, size - filled, data.offset + filled);
      if (n === 0) throw new FsError("EIO", p, "the archive ends inside the file's data");
      filled += n;
    }
    return out;
  }

  /** The bytes [start, end) of a file: stored segments read from disk, holes as zeros. */
  private async *pieces(node: Inode, p: string, start: number, end: number): AsyncGenerator<Buffer> {
    const data = node.data!;
    const handle = data.store === "archive" ? this.archive : this.spill!.handle;
    const segments = data.sparse ?? [{ offset: 0, length: node.stat.size }];
    let stored = data.offset;
    let pos = start;
    for (const seg of [...segments, { offset: node.stat.size, length: 0 }]) {
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
        const bytesRead = readSync(handle.fd, buf, 0, buf.length, stored + (pos - seg.offset));
        if (bytesRead < buf.length) throw new FsError("EIO", p, "the archive ends inside the file's data");
        yield buf;
        pos += buf.length;
      }
      stored += seg.length;
    }
  }
}
