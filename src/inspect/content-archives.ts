/**
 * The content pass's archives: each opened where the pass meets it (or where a content thread
 * says it met one), its members' text sent on as the pass sends text, and the credential stores and
 * shell histories among its members kept for their own facts.
 */
import {
  type ArchiveCounts,
  type ArchiveSink,
  DEFAULT_ARCHIVE_LIMITS,
  scanArchiveFile,
} from "./archive-scan.js";
import {
  archivedHistory,
  archivedHistoryKind,
  archivedStore,
  archivedStoreMatch,
} from "./archived-stores.js";
import type { ArchiveJob } from "./content-workers.js";
import type { InspectContext } from "./context.js";
import type { CredentialStore } from "./credential-stores.js";
import type { HistoryFile } from "./history.js";

/** Where a member's text goes: the pass's destination at the time, in pieces. */
type TextPieces = (path: string, configuration: boolean) => ReturnType<ArchiveSink["text"]>;

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

export class ContentArchives {
  private readonly stores: Array<Promise<CredentialStore | undefined>> = [];
  private readonly histories: HistoryFile[] = [];
  private fromThreads = Promise.resolve();

  constructor(
    private readonly ctx: InspectContext,
    private readonly text: TextPieces,
    /** What could not be read: the pass's gaps. */
    private readonly missed: (path: string, e: unknown) => void,
    private readonly counts: ArchiveCounts,
    /** A file's first bytes (a thread's archive is met again here by them). */
    private readonly head: (path: string) => Promise<Buffer>,
    /** Told a thread's archive's bytes once it is read (the pass's progress). */
    private readonly read: (plannedBytes: number) => void = () => {},
  ) {}

  /** Opens the archive or compressed file at `path` (its first bytes `head`) and scans its members. */
  open(path: string, size: number, configuration: boolean, head: Buffer): Promise<void> {
    const { ctx } = this;
    return scanArchiveFile(
      { path, size, read: (start, end) => ctx.image.tree.createReadStream(path, { start, end }) },
      head,
      {
        text: (member) => this.text(member, configuration),
        unknown: (member, e) => ctx.unknown(member, e),
        missed: this.missed,
        counts: this.counts,
        store: (member, inner) => this.wholeMember(member, inner),
      },
      { ...DEFAULT_ARCHIVE_LIMITS, maxMemberBytes: ctx.options.maxContentScanBytes },
    );
  }

  /** An archive a content thread met among the files it read: opened here, one after another. */
  fromThread({ path, size, configuration }: ArchiveJob): void {
    this.fromThreads = this.fromThreads.then(async () => {
      try {
        await this.open(path, size, configuration, await this.head(path));
      } catch (e) {
        this.missed(path, e);
      } finally {
        this.read(size);
      }
    });
  }

  /** Every archive handed over by fromThread so far, read. */
  threadsDone(): Promise<void> {
    return this.fromThreads;
  }

  /** The credential stores and shell histories found inside archives, by path. */
  async found(): Promise<{ stores: CredentialStore[]; histories: HistoryFile[] }> {
    const stores = (await Promise.all(this.stores)).filter((s): s is CredentialStore => s !== undefined);
    return { stores: stores.sort(byPath), histories: [...this.histories].sort(byPath) };
  }

  /** A member wanted whole: a history or a credential store, by its path in the archive. */
  private wholeMember(member: string, inner: string): ((bytes: Buffer) => void) | undefined {
    const kind = archivedHistoryKind(inner);
    if (kind !== undefined)
      return (bytes) => {
        const history = archivedHistory(member, kind, bytes);
        if (history) this.histories.push(history);
      };
    const match = archivedStoreMatch(inner);
    if (!match) return undefined;
    return (bytes) => {
      this.stores.push(
        archivedStore(member, match, bytes).catch((e) => {
          this.ctx.unknown(member, e);
          return undefined;
        }),
      );
    };
  }
}
