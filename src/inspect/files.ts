import { PSEUDO_FILESYSTEMS } from "../fs/image.js";
import type { InspectContext, Inspector } from "./context.js";
import { FileIndex, type FileIndexBuilder, type IndexedFile } from "./file-index.js";
import { nothingUnread, type Unread, whyUnread } from "./unread.js";

export type { EntryView, IndexedFile } from "./file-index.js";
export { FileIndex } from "./file-index.js";

const skipped = new Set(PSEUDO_FILESYSTEMS);
/**
 * Followers are woken, and the event loop gets a turn, every this many entries (and at the end).
 * An archive met during the walk is decompressed and scanned a chunk per turn (zlib's callbacks,
 * the stream's reads and the content threads' replies each wait for one): every 256 entries, a
 * rotated log took 100–200 ms to get through while the walk ran. 16 was no faster than 64
 * (docs/performance.md, "Session 24").
 */
const WAKE_EVERY = 64;
/**
 * /var is walked before the rest: it holds the image's logs and backups, whose compressed files
 * are the content pass's slowest reads. Last in name order, they were met at the walk's end and
 * decompressed after it, one after another; met first, they are read while the rest of the tree
 * is walked (docs/performance.md).
 */
const WALKED_FIRST = ["/var"];

/**
 * The walk while it runs: entries so far by number, in walk order, and the index once it ends.
 * The content pass reads files as the walk finds them instead of after it (at 300 k files the walk
 * was a third of the scan, with the content threads idle).
 */
export class FileWalk {
  /** The whole walk's index; rejects when the walk failed. */
  readonly index: Promise<FileIndex>;
  private readonly builder: FileIndexBuilder = FileIndex.builder();
  private ended = false;
  private failure: unknown;
  private waiters: Array<{ seen: number; resolve: (more: boolean) => void; reject: (e: unknown) => void }> =
    [];

  constructor(ctx: InspectContext) {
    this.index = this.run(ctx);
    // Failures reach whoever awaits the index or more(); a walk nobody waits for is no crash.
    this.index.catch(() => {});
  }

  /** Entries walked so far. */
  get count(): number {
    return this.builder.count;
  }

  /** Entry `i` (i < count). */
  at(i: number): IndexedFile {
    return this.builder.at(i);
  }

  /** Entry `i`'s inode number in its tree, when the tree gave one (i < count). */
  inoAt(i: number): number | undefined {
    return this.builder.inoAt(i);
  }

  /** True once more than `seen` entries are walked; false when the walk ended with `seen`. */
  more(seen: number): Promise<boolean> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.builder.count > seen) return Promise.resolve(true);
    if (this.ended) return Promise.resolve(false);
    return new Promise((resolve, reject) => this.waiters.push({ seen, resolve, reject }));
  }

  private async run(ctx: InspectContext): Promise<FileIndex> {
    let truncatedAt: string | undefined;
    const unread: Unread[] = [];
    const max = ctx.options.maxIndexedEntries;
    try {
      for await (const { path, stat } of ctx.image.walk("/", {
        skipDirectory: (p) => skipped.has(p),
        first: WALKED_FIRST,
        onError: (p, e) => {
          ctx.unknown(p, e);
          if (!nothingUnread(e)) unread.push({ path: p, reason: whyUnread(e) });
        },
      })) {
        if (this.builder.count >= max) {
          ctx.note(
            `the image has more than ${max} files and directories: the walk stopped there (at ${path}), so files after it were not checked`,
          );
          truncatedAt = path;
          break;
        }
        this.builder.add(path, stat);
        if (this.builder.count % WAKE_EVERY === 0) {
          this.wake();
          // A walk of an image file is one long chain of promise jobs (its reads are synchronous):
          // without a turn of the event loop, its followers' streams and the content threads'
          // replies would wait for the walk's end.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    } catch (e) {
      this.failure = e;
      for (const w of this.waiters.splice(0)) w.reject(e);
      throw e;
    }
    this.ended = true;
    this.wake();
    return this.builder.finish(truncatedAt, unread);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(this.builder.count > w.seen);
  }
}

export const walkInspector: Inspector<"walk"> = {
  name: "walk",
  description: "one walk of the whole tree, followed while it runs",
  paths: ["/**"],
  async inspect(ctx) {
    return new FileWalk(ctx);
  },
};

export const filesInspector: Inspector<"files"> = {
  name: "files",
  description: "every entry of the walk",
  paths: ["/**"],
  async inspect(ctx) {
    return (await ctx.get("walk")).index;
  },
};
