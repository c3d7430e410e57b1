import type { HostExtents } from "../fs/filetree.js";
import { FsError, isFsError } from "../io/errors.js";
import { archiveFormatOf } from "./archive-formats.js";
import type { ConfigCredentialMatch, UrlCredentialMatch } from "./config-credentials.js";
import { ContentArchives } from "./content-archives.js";
import {
  addReadCounts,
  asText,
  BINARY_PROBE,
  HEAD_FIRST,
  type HostReadJob,
  type TextEncoding,
  TextReads,
  textEncodingOf,
  WHOLE_READ,
} from "./content-host.js";
import type { CloudMention, EndpointMatch, PrivateKeyMatch, ScanSink, SecretMatch } from "./content-scan.js";
import {
  appendSink,
  emptySink,
  PiecewiseText,
  scanWholeText,
  TextScanner,
  textScanOptions,
} from "./content-scan.js";
import { ContentThreads } from "./content-workers.js";
import type { InspectContext, Inspector } from "./context.js";
import type { CredentialStore } from "./credential-stores.js";
import type { IndexedFile } from "./files.js";
import type { HistoryFile } from "./history.js";
import { inPackageTree, languagePackageFiles } from "./language-packages.js";
import { isPackageDerived, packageOwnedFiles } from "./package-files.js";
import { isNoisePath } from "./secret-patterns.js";
import { nothingUnread, type Unread, whyUnread } from "./unread.js";

export type {
  ConfigCredentialMatch,
  CredentialCertainty,
  CredentialKind,
  UrlCredentialMatch,
} from "./config-credentials.js";
export type { CloudMention, EndpointMatch, PrivateKeyMatch, SecretMatch } from "./content-scan.js";
export type { ExpectedKey, SecretKind } from "./secret-patterns.js";

export interface ContentFacts {
  privateKeys: PrivateKeyMatch[];
  secrets: SecretMatch[];
  /** Hard-coded regional AWS endpoints in configuration folders (ARC-7). */
  endpoints: EndpointMatch[];
  /** Other cloud platforms named in login banners (USE-7). */
  cloudMentions: CloudMention[];
  /** Settings named password, secret, token or API key given a literal value (SEC-4, SHR-4). */
  configCredentials: ConfigCredentialMatch[];
  /** URLs with a password in their userinfo: postgres://app:…@db (SEC-4, SHR-4). */
  urlCredentials: UrlCredentialMatch[];
  /** Files the pass could not read (not the size bound's): the scan fails closed on each (coverage). */
  unread: Unread[];
  /** Credential stores found inside archives, at their member paths (the credential-stores facts add them). */
  archivedStores: CredentialStore[];
  /** Non-empty shell histories inside archives, at their member paths (the histories facts add them). */
  archivedHistories: HistoryFile[];
  stats: {
    /** Text files read in full. */
    scannedFiles: number;
    scannedBytes: number;
    /**
     * Files left out: binary (a NUL in the first 8 KiB, UTF-16 text aside), documentation/test
     * noise, over the size bound.
     */
    binaryFiles: number;
    noiseFiles: number;
    tooLargeFiles: number;
    /**
     * Installed by the package manager outside /etc (dpkg info/*.list), dpkg's own per-package
     * records, and Python bytecode compiled from packaged sources: vendor content, not read.
     */
    packageFiles: number;
    /**
     * Archives and compressed files (tar, zip, gzip, xz, zstd, bzip2; by their first bytes) opened, and
     * their members read as text (with a decompressed file's text), in files and bytes.
     */
    archives: number;
    archiveMembers: number;
    archiveMemberBytes: number;
    /**
     * Installed by a language package manager (pip, npm, Composer, gems, Go modules, cargo, Maven):
     * read for private keys and issuer-shaped tokens, which ship wherever they lie, but not judged
     * as configuration (regional endpoints in an SDK's tables are data, not a setting).
     */
    languagePackageFiles: number;
  };
}

// Paths from the file index are canonical (the walk never follows links), so the pass reads them
// from the tree directly: Image's per-component link resolution would cost ~6 lstats per file.

/** The first bytes of a file, read without loading the rest (most large files are binaries). */
async function readHead(ctx: InspectContext, path: string): Promise<Buffer> {
  const stream = ctx.image.tree.createReadStream(path, { end: BINARY_PROBE });
  const chunks: Buffer[] = [];
  try {
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}

/**
 * Where the pass's text goes: scanned right here, or handed to the content thread. A file's text
 * arrives whole (at most WHOLE_READ bytes) or in pieces, in order.
 */
interface TextDestination {
  /**
   * Set when a content thread reads files itself from their host file (FileTree.hostExtents): the
   * thread reports the file's `planned` bytes as read once it has read it.
   */
  hostRead?(job: HostReadJob, planned: number): Promise<void>;
  whole(path: string, configuration: boolean, data: Buffer): Promise<void> | void;
  pieces(
    path: string,
    configuration: boolean,
  ): {
    push(data: Buffer): Promise<void> | void;
    end(): Promise<void> | void;
  };
}

/** Text scanned on the calling thread, into `sink`. */
function scanHere(sink: ScanSink): TextDestination {
  return {
    whole: (path, configuration, data) => scanWholeText(path, configuration, data, sink),
    pieces(path, configuration) {
      const text = new PiecewiseText(new TextScanner(path, sink, textScanOptions(path, configuration)));
      return { push: (data) => text.push(data), end: () => text.end() };
    },
  };
}

/** Text handed to the content thread. */
function scanInThread(thread: ContentThreads): TextDestination {
  return {
    hostRead: (job, planned) => thread.read(job, planned),
    whole: (path, configuration, data) => thread.file(path, configuration, data),
    pieces(path, configuration) {
      const id = thread.pieced();
      return {
        push: (data) => thread.piece(id, path, configuration, data, false),
        end: () => thread.piece(id, path, configuration, Buffer.alloc(0), true),
      };
    },
  };
}

async function scanFile(
  ctx: InspectContext,
  file: IndexedFile,
  text: TextDestination,
  stats: ContentFacts["stats"],
  configuration: boolean,
  ino: number | undefined,
  scratch: Buffer,
  archive: OpenArchive,
  planned: number,
  mapping?: Mapping,
): Promise<"handed over" | undefined> {
  if (text.hostRead) {
    const mapped = mapping ? mapping.extents : ctx.image.tree.hostExtents?.(file.path, ino);
    // Most files are mapped at once (hostExtents): no await for them.
    const extents = mapped instanceof Promise ? await mapped : mapped;
    if (extents) {
      await text.hostRead({ path: file.path, configuration, extents }, planned);
      return "handed over";
    }
  }
  let encoding: TextEncoding = "text";
  if (file.size > HEAD_FIRST) {
    const head = await readHead(ctx, file.path);
    if (archiveFormatOf(head)) {
      await archive(file.path, file.size, configuration, head);
      return;
    }
    encoding = textEncodingOf(head);
    if (encoding === "binary") {
      stats.binaryFiles++;
      return;
    }
  }
  if (file.size <= WHOLE_READ) {
    // Read into this read's own scratch buffer: done with before the next file uses it.
    const buf = await ctx.image.tree.readFile(file.path, { maxBytes: WHOLE_READ, scratch }).catch((e) => {
      // Grown past WHOLE_READ since the walk (a live tree: a log being written): read in pieces.
      if (isFsError(e, "EFBIG")) return undefined;
      throw e;
    });
    if (buf) {
      // A copy: `buf` is the scratch buffer, which the next file read here reuses.
      if (archiveFormatOf(buf)) {
        await archive(file.path, buf.length, configuration, Buffer.from(buf.subarray(0, BINARY_PROBE)));
        return;
      }
      encoding = textEncodingOf(buf);
      if (encoding === "binary") {
        stats.binaryFiles++;
        return;
      }
      await text.whole(file.path, configuration, asText(buf, encoding, true));
      stats.scannedFiles++;
      stats.scannedBytes += buf.length;
      return;
    }
    encoding = textEncodingOf(await readHead(ctx, file.path));
    if (encoding === "binary") {
      stats.binaryFiles++;
      return;
    }
  }
  const stream = ctx.image.tree.createReadStream(file.path, { end: ctx.options.maxContentScanBytes });
  const pieces = text.pieces(file.path, configuration);
  let bytes = 0;
  const reads = new TextReads(encoding);
  try {
    for await (const read of stream as AsyncIterable<Buffer>) {
      bytes += read.length;
      await pieces.push(reads.text(read));
    }
  } finally {
    stream.destroy();
  }
  await pieces.end();
  stats.scannedFiles++;
  stats.scannedBytes += bytes;
}

/** Opens an archive or compressed file (its first bytes `head`) and scans its members. */
type OpenArchive = (path: string, size: number, configuration: boolean, head: Buffer) => Promise<void>;

/** Files read at once: enough to keep the disk and libuv busy, few enough to bound memory. */
const CONCURRENT_READS = 8;
/**
 * The content thread is started only for at least this much to read: it costs ~30 ms to start
 * (more under tsx), which a small image's whole pass does not take.
 */
const THREAD_FROM_BYTES = 16 * 1024 * 1024;

export const contentInspector: Inspector<"content"> = {
  name: "content",
  description:
    "one pass over the image's text files for private keys, cloud credentials, tokens, passwords and secrets in application settings and URLs, hard-coded regional endpoints and other clouds named in login banners",
  paths: ["/**"],
  async inspect(ctx) {
    const walk = await ctx.get("walk");
    const sink = emptySink();
    const stats: ContentFacts["stats"] = {
      scannedFiles: 0,
      scannedBytes: 0,
      binaryFiles: 0,
      noiseFiles: 0,
      tooLargeFiles: 0,
      packageFiles: 0,
      languagePackageFiles: 0,
      archives: 0,
      archiveMembers: 0,
      archiveMemberBytes: 0,
    };
    const unread: Unread[] = [];
    const missed = (path: string, e: unknown) => {
      ctx.unknown(path, e);
      if (!nothingUnread(e)) unread.push({ path, reason: whyUnread(e) });
    };
    const owned = await packageOwnedFiles(ctx);
    // Which files outside package trees pip or Composer installed is known once the walk has found
    // their lists: read then, beside the pass, and applied to its matches at the end.
    const vendoredLater = walk.index.then((index) => languagePackageFiles(ctx, index));
    vendoredLater.catch(() => {});
    const planned = plannedBytesOf(ctx);
    // Entry numbers, not entries, of the files read outside package trees: which of them a
    // manifest claims is known at the end. Those inside are counted as met (at 300 k files, looking
    // every file read up again at the end took ~0.1 s while the content threads had nothing to do).
    const candidates: number[] = [];
    let cursor = 0;
    let plannedBytes = 0;
    // The plan goes to the progress bar once the walk has ended (until then the bar counts the
    // walk); what was read before is handed on with it, so the reads still add up to the plan.
    const progress = ctx.options.progress;
    let plannedReported = false;
    let readEarly = 0;
    const planDone = () => {
      if (plannedReported) return;
      plannedReported = true;
      progress?.planned(plannedBytes);
      if (readEarly > 0) progress?.read(readEarly);
    };
    const onRead = (bytes: number) => {
      if (plannedReported) progress?.read(bytes);
      else readEarly += bytes;
    };
    // A holder, not a `let`: TypeScript does not narrow a variable that a closure assigns.
    const threads: { running?: ContentThreads } = {};
    let destination = scanHere(sink);
    const archives = new ContentArchives(
      ctx,
      (member, configuration) => destination.pieces(member, configuration),
      missed,
      stats,
      (path) => readHead(ctx, path),
      onRead,
    );
    const openArchive: OpenArchive = (path, size, configuration, head) =>
      archives.open(path, size, configuration, head);
    const startThread = (): void => {
      const wanted = ctx.options.contentThread;
      if (threads.running || wanted === "off" || (wanted === "auto" && plannedBytes < THREAD_FROM_BYTES))
        return;
      threads.running = new ContentThreads(
        ctx.options.contentThreads ?? 1,
        (job) => archives.fromThread(job),
        onRead,
      );
      destination = scanInThread(threads.running);
    };
    /** The next file to read among those walked so far; undefined when there is none yet. */
    const nextNow = (): Candidate | undefined => {
      while (cursor < walk.count) {
        const i = cursor++;
        const f = walk.at(i);
        if (f.type !== "file" || f.size === 0) continue;
        if (owned.has(f.path) || isPackageDerived(f.path, owned)) {
          stats.packageFiles++;
          continue;
        }
        if (isNoisePath(f.path)) {
          stats.noiseFiles++;
          continue;
        }
        // A library's defaults and docstrings are not the publisher's settings; its keys and tokens are still read.
        const configuration = !inPackageTree(f.path);
        if (configuration) candidates.push(i);
        else stats.languagePackageFiles++;
        const bytes = planned(f);
        plannedBytes += bytes;
        startThread();
        return { file: f, ino: walk.inoAt(i), planned: bytes, configuration };
      }
      return undefined;
    };
    /** The next file to read, as the walk finds it; undefined once the walk has ended. */
    const next = async (): Promise<Candidate | undefined> => {
      for (;;) {
        const found = nextNow();
        if (found) return found;
        if (!(await walk.more(cursor))) {
          planDone();
          return undefined;
        }
      }
    };
    /**
     * Hands a file to a content thread without an await, when its extents are at hand and a
     * thread has room (most files of a disk image): true once it is handed over, or counted as
     * missed. Otherwise the file's mapping, if it was asked for, goes with it to readCandidate.
     * Three awaits per file (read, map, queue) and their promises cost the main thread ~5 % of its
     * CPU at 30 k files (docs/performance.md, "Session 25").
     */
    const handOverNow = (found: Candidate): boolean => {
      const thread = threads.running;
      const tree = ctx.image.tree;
      if (!thread || !tree.hostExtents || found.file.size > ctx.options.maxContentScanBytes) return false;
      const { file, ino, configuration, planned } = found;
      let extents: HostExtents | undefined | Promise<HostExtents | undefined>;
      try {
        extents = tree.hostExtents(file.path, ino);
      } catch (e) {
        missed(file.path, e);
        onRead(planned);
        return true;
      }
      if (extents !== undefined && !(extents instanceof Promise)) {
        if (thread.readNow({ path: file.path, configuration, extents }, planned)) return true;
      } else if (extents instanceof Promise) extents.catch(() => {});
      found.mapping = { extents };
      return false;
    };
    try {
      // One buffer per read in flight: a fresh buffer per file lived until the next garbage
      // collection, and the pass reads gigabytes (tens of MB of dead buffers at any time).
      await Promise.all(
        Array.from({ length: CONCURRENT_READS }, async () => {
          const scratch = Buffer.allocUnsafe(WHOLE_READ);
          for (;;) {
            let found = nextNow();
            while (found && handOverNow(found)) found = nextNow();
            found ??= await next();
            if (!found) break;
            await readCandidate(ctx, found, destination, stats, scratch, onRead, missed, openArchive);
          }
        }),
      );
      if (threads.running) {
        await threads.running.settleReads();
        await archives.threadsDone();
        const done = await threads.running.finish();
        appendSink(sink, done.sink);
        addReadCounts(stats, done.counts);
        for (const u of done.unknowns) {
          ctx.unknown(u.path, new Error(u.error));
          if (u.code !== "ENOENT" && u.code !== "ENOTDIR") unread.push({ path: u.path, reason: u.error });
        }
      }
    } finally {
      threads.running?.stop();
    }
    const index = await walk.index;
    const vendored = await vendoredLater;
    for (const i of candidates) if (vendored.owns(index.at(i).path)) stats.languagePackageFiles++;
    // Read as configuration unless in a package tree; what a manifest claims elsewhere is not either.
    const configurationOnly = (m: { path: string }) => !vendored.owns(m.path);
    sink.configCredentials = sink.configCredentials.filter(configurationOnly);
    sink.urlCredentials = sink.urlCredentials.filter(configurationOnly);
    sink.endpoints = sink.endpoints.filter(configurationOnly);
    // Reads finish in any order; facts are deterministic.
    for (const list of [
      sink.privateKeys,
      sink.secrets,
      sink.endpoints,
      sink.cloudMentions,
      sink.configCredentials,
      sink.urlCredentials,
    ] as Array<Array<{ path: string; line: number }>>)
      list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
    unread.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const inArchives = await archives.found();
    return {
      ...sink,
      unread,
      archivedStores: inArchives.stores,
      archivedHistories: inArchives.histories,
      stats,
    };
  },
};

/** The bytes the pass plans to read of a file: all of it, or none past the size bound. */
function plannedBytesOf(ctx: InspectContext): (f: { size: number }) => number {
  const max = ctx.options.maxContentScanBytes;
  return (f) => (f.size > max ? 0 : f.size);
}

/**
 * A file the pass reads: its entry, the walk's inode number for it, the bytes it plans to read, and
 * whether it may be the publisher's configuration (it lies outside a language package tree).
 */
interface Candidate {
  file: IndexedFile;
  ino: number | undefined;
  planned: number;
  configuration: boolean;
  /** Its host extents, once asked for (FileTree.hostExtents): not asked again. */
  mapping?: Mapping;
}

/** What FileTree.hostExtents gave for a file. */
interface Mapping {
  extents: HostExtents | undefined | Promise<HostExtents | undefined>;
}

/** Reads one file and hands its text to `text`; what cannot be read goes to `missed`. */
async function readCandidate(
  ctx: InspectContext,
  { file, ino, planned, configuration, mapping }: Candidate,
  text: TextDestination,
  stats: ContentFacts["stats"],
  scratch: Buffer,
  onRead: (plannedBytes: number) => void,
  missed: (path: string, e: unknown) => void,
  archive: OpenArchive,
): Promise<void> {
  // Read by a content thread, the file is reported as read by the thread, once it is.
  let handedOver = false;
  try {
    if (file.size > ctx.options.maxContentScanBytes) {
      const head = await readHead(ctx, file.path);
      // An archive is bounded by what it inflates to, not by its own size.
      if (archiveFormatOf(head)) return await archive(file.path, file.size, configuration, head);
      stats.tooLargeFiles++;
      // A large binary is expected (libraries, databases); a large text file is a blind spot.
      if (textEncodingOf(head) !== "binary")
        ctx.unknown(
          file.path,
          new FsError("EFBIG", file.path, `text file not scanned for secrets: ${file.size} bytes`),
        );
      return;
    }
    handedOver =
      (await scanFile(ctx, file, text, stats, configuration, ino, scratch, archive, planned, mapping)) ===
      "handed over";
  } catch (e) {
    missed(file.path, e);
  } finally {
    if (!handedOver) onRead(planned);
  }
}
