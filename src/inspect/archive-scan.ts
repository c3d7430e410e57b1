/**
 * The members of archives and compressed files inside an image, read for the content pass: a
 * `site-backup.tar.gz` in /root, a rotated `auth.log.2.gz`, a `.zip` of a web root, a `.jar`.
 * Streams all the way down (a member's bytes are scanned as they are inflated), so memory stays a
 * few chunks whatever the archive's size; bounded in nesting and in bytes per archive.
 */
import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { FsError, ImageFormatError } from "../io/errors.js";
import {
  decompressStream,
  type InflateBound,
  InflateBoundError,
  InflateMeter,
  inflateBoundFromEnv,
} from "../target/tar/decompress.js";
import { readTar } from "../target/tar/parse.js";
import { programStream } from "../target/tar/program-stream.js";
import { ChunkReader, iteratorSource } from "../target/tar/reader.js";
import {
  type ArchiveFormat,
  archiveFormatOf,
  decompressedName,
  isOpened,
  MEMBER_SEPARATOR,
  memberPath,
  type NotOpenedFormat,
} from "./archive-formats.js";
import { Channel } from "./channel.js";
import { BINARY_PROBE, TextReads, textEncodingOf } from "./content-host.js";
import { inPackageTree } from "./language-packages.js";
import { isNoisePath, isPackageMemberNoise } from "./secret-patterns.js";

export interface ArchiveLimits {
  /** Archives and compressed streams opened one inside another, at most (a .tar.gz counts two). */
  maxNesting: number;
  /**
   * Bytes read from one archive in the image and inflated out of it (at every level), at most:
   * the bound on the time one archive can take. Past it the rest is an unknown, not a gap.
   */
  maxBytes: number;
  /** A member's text is read to this many bytes (the pass's bound on a file). */
  maxMemberBytes: number;
  /** A zip inside another archive is held in memory (its directory is at its end) up to this size. */
  maxBufferedZip: number;
  /** The decompression-bomb bound (ratio of bytes out to bytes in), as for archives scanned as targets. */
  inflate: InflateBound;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxNesting: 4,
  maxBytes: 4 * 1024 ** 3,
  maxMemberBytes: 256 * 1024 * 1024,
  maxBufferedZip: 64 * 1024 * 1024,
  inflate: inflateBoundFromEnv(),
};

/** What reading archives counted (the content facts' stats of the same names). */
export interface ArchiveCounts {
  /** Archives and compressed files in the image that were opened. */
  archives: number;
  /** Their members (and decompressed files) read as text, and the bytes of those. */
  archiveMembers: number;
  archiveMemberBytes: number;
}

export interface ArchiveSink {
  /** Where a member's text goes, in pieces, in order. */
  text(path: string): { push(data: Buffer): Promise<void> | void; end(): Promise<void> | void };
  /**
   * What an archive holds that was not read: past a bound, in a format not opened (bzip2, an
   * encrypted member), or where the archive is damaged, truncated or a bomb. Listed in the report,
   * not a gap: no tool gets more out of a damaged archive than what was read before the damage, and
   * damaged archives ship on purpose (Go's archive/tar/testdata is in every Go toolchain).
   */
  unknown(path: string, e: unknown): void;
  /** The image's own bytes could not be read (the tree's FsError): the scan fails closed on it. */
  missed(path: string, e: unknown): void;
  /**
   * Asked for each member (its path, and its path inside its archive): a callback when the member
   * is to be had whole as well (a credential store, read by its format), binary ones too.
   */
  store?(path: string, member: string): ((bytes: Buffer) => void) | undefined;
  counts: ArchiveCounts;
}

/** An archive in the image, read at random (a zip's directory is at its end): [start, end). */
export interface ArchiveFile {
  path: string;
  size: number;
  read(start: number, end: number): Readable;
}

/** The archive's byte budget ran out: the rest of it is an unknown. */
class BudgetSpent extends Error {}

/**
 * What one archive in the image may cost: bytes read from it and inflated out of it, at every
 * level, up to `maxBytes`; and, as for archives scanned as targets, no more than `maxRatio` bytes
 * per byte of the archive's file once `minBytes` are out (a zip bomb's members each inflate little,
 * and all of them together a great deal).
 */
class Budget {
  private used = 0;
  private readonly meter: InflateMeter;
  constructor(
    file: Pick<ArchiveFile, "path" | "size">,
    private readonly limits: ArchiveLimits,
  ) {
    this.meter = new InflateMeter(file.path, limits.inflate, () => file.size);
  }
  get spent(): boolean {
    return this.used > this.limits.maxBytes;
  }
  spend(n: number): void {
    this.used += n;
    if (this.used > this.limits.maxBytes) throw new BudgetSpent();
    this.meter.add(n);
  }
}

/** The stream a member is read from failed: the archive reports that, not each member. */
class UpstreamFailed extends Error {}

/** Errors that end the whole archive, not just the member being read. */
const endsArchive = (e: unknown) =>
  e instanceof BudgetSpent || e instanceof InflateBoundError || e instanceof UpstreamFailed;

/** A failure inside an archive: the image's bytes unread (a gap), or the archive's own (an unknown). */
function failed(run: Run, path: string, e: unknown): void {
  if (e instanceof FsError) run.sink.missed(path, e);
  else run.sink.unknown(path, e);
}

interface Run {
  sink: ArchiveSink;
  limits: ArchiveLimits;
  budget: Budget;
  /** The archive lies in a package tree or cache: a package's own (an npm tarball, a jar, a wheel). */
  packaged: boolean;
}

/**
 * Documentation, locales and the like at the member's path as if extracted at / (a rootfs backup's
 * /usr/share/doc), and in a package's own archive its tests, fixtures, examples and documents.
 */
function isNoiseMember(run: Run, archive: string, path: string): boolean {
  const member = path.slice(archive.length + MEMBER_SEPARATOR.length);
  return isNoisePath(`/${member}`) || (run.packaged && isPackageMemberNoise(member));
}

/**
 * Reads the archive or compressed file at `file` (its first bytes `head`) and hands every text
 * member's bytes to `sink`. Never throws: what was not read goes to `sink.unknown` or `sink.missed`.
 */
export async function scanArchiveFile(
  file: ArchiveFile,
  head: Buffer,
  sink: ArchiveSink,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<void> {
  const run: Run = { sink, limits, budget: new Budget(file, limits), packaged: inPackageTree(file.path) };
  sink.counts.archives++;
  try {
    if (archiveFormatOf(head) === "zip") {
      const zip = await yauzl.fromRandomAccessReaderPromise(new RangeReader(file), file.size, ZIP_OPTIONS);
      await scanZip(file.path, zip, 1, run);
    } else {
      await scanBytes({ text: file.path, archive: file.path }, metered(file.read(0, file.size), run), 0, run);
    }
  } catch (e) {
    if (e instanceof BudgetSpent)
      sink.unknown(
        file.path,
        new FsError(
          "EFBIG",
          file.path,
          `archive read to its bound of ${limits.maxBytes} bytes read and inflated; the rest was not scanned`,
        ),
      );
    else if (!(e instanceof UpstreamFailed)) failed(run, file.path, zipError(file.path, e));
  }
}

/** The names a stream's content is reported under: as text, or as the archive its members are in. */
interface Names {
  text: string;
  archive: string;
}

async function scanBytes(
  names: Names,
  chunks: AsyncIterable<Buffer>,
  depth: number,
  run: Run,
): Promise<void> {
  const { head, rest, close } = await peek(chunks, BINARY_PROBE);
  try {
    if (head.length === 0) return;
    const format = archiveFormatOf(head);
    if (format === undefined) return await scanText(names.text, head, rest, run);
    if (!isOpened(format)) {
      run.sink.unknown(
        names.archive,
        new FsError("ENOTSUP", names.archive, `a ${format} archive: not opened`),
      );
      return;
    }
    if (depth >= run.limits.maxNesting) {
      run.sink.unknown(
        names.archive,
        new FsError(
          "ENOTSUP",
          names.archive,
          `a ${format} archive nested past ${run.limits.maxNesting} levels: not opened`,
        ),
      );
      return;
    }
    await scanFormat(format, names.archive, rest, depth + 1, run);
  } finally {
    await close();
  }
}

async function scanFormat(
  format: Exclude<ArchiveFormat, NotOpenedFormat>,
  archive: string,
  chunks: AsyncIterable<Buffer>,
  depth: number,
  run: Run,
): Promise<void> {
  if (format === "tar") return scanTar(archive, chunks, depth, run);
  if (format === "zip") {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of chunks) {
      size += chunk.length;
      if (size > run.limits.maxBufferedZip) {
        run.sink.unknown(
          archive,
          new FsError(
            "EFBIG",
            archive,
            `a zip inside an archive, over ${run.limits.maxBufferedZip} bytes: not opened`,
          ),
        );
        return;
      }
      parts.push(chunk);
    }
    const zip = await yauzl.fromBufferPromise(Buffer.concat(parts, size), ZIP_OPTIONS);
    return scanZip(archive, zip, depth, run);
  }
  // A compressed stream: its members (a tar, a zip) are the archive's; plain text is the file it
  // decompresses to (`auth.log.2.gz!/auth.log.2`).
  const decoded =
    format === "bzip2"
      ? programStream("bzip2", chunks, archive, run.limits.inflate)
      : decompressStream(chunks, format, archive, run.limits.inflate);
  if (!decoded) {
    run.sink.unknown(
      archive,
      new FsError("ENOTSUP", archive, "a bzip2 archive: not opened (no bzip2 program)"),
    );
    return;
  }
  const out = metered(decoded, run);
  const text = memberPath(archive, decompressedName(archive));
  return scanBytes({ text, archive }, out, depth, run);
}

/** A credential store is a few kB; a larger member by a store's name is something else. */
const MAX_STORE_BYTES = 4 * 1024 * 1024;

async function scanText(path: string, head: Buffer, chunks: AsyncIterable<Buffer>, run: Run): Promise<void> {
  const encoding = textEncodingOf(head);
  const member = path.slice(path.lastIndexOf(MEMBER_SEPARATOR) + MEMBER_SEPARATOR.length);
  const store = run.sink.store?.(path, member);
  if (encoding === "binary" && !store) return;
  const text = encoding === "binary" ? undefined : run.sink.text(path);
  const kept: Buffer[] = [];
  let keptBytes = 0;
  const reads = new TextReads(encoding);
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      if (store && keptBytes <= MAX_STORE_BYTES) {
        kept.push(Buffer.from(chunk));
        keptBytes += chunk.length;
      }
      if (!text) {
        if (keptBytes > MAX_STORE_BYTES) break;
        continue;
      }
      if (bytes + chunk.length > run.limits.maxMemberBytes) {
        const why = `text file not scanned for secrets past ${run.limits.maxMemberBytes} bytes`;
        run.sink.unknown(path, new FsError("EFBIG", path, why));
        break;
      }
      bytes += chunk.length;
      await text.push(reads.text(chunk));
    }
  } finally {
    if (text) {
      // What was read is scanned even when the rest could not be.
      await text.end();
      run.sink.counts.archiveMembers++;
      run.sink.counts.archiveMemberBytes += bytes;
    }
  }
  if (store && keptBytes <= MAX_STORE_BYTES) store(Buffer.concat(kept, keptBytes));
}

/** A member: scanned, and what fails in it is a gap at its path (the archive reads on). */
async function scanMember(
  path: string,
  chunks: AsyncIterable<Buffer>,
  depth: number,
  run: Run,
): Promise<void> {
  try {
    await scanBytes({ text: path, archive: path }, chunks, depth, run);
  } catch (e) {
    if (endsArchive(e)) throw e;
    failed(run, path, e);
  }
}

/** Typeflags of regular files (GNU sparse files are "0" once read). */
const REGULAR = new Set(["0", "7"]);

async function scanTar(
  archive: string,
  chunks: AsyncIterable<Buffer>,
  depth: number,
  run: Run,
): Promise<void> {
  const it = chunks[Symbol.asyncIterator]();
  let current: { channel: Channel; done: Promise<void> } | undefined;
  try {
    await readTar(
      new ChunkReader(iteratorSource(it)),
      archive,
      (entry) => {
        if (!REGULAR.has(entry.typeflag) || entry.storedSize === 0) return undefined;
        const path = memberPath(archive, entry.name);
        if (isNoiseMember(run, archive, path)) return undefined;
        const channel = new Channel();
        const done = scanMember(path, channel, depth, run);
        // Awaited at the member's end; until then a rejection must not count as unhandled.
        done.catch(() => {});
        current = { channel, done };
        let got = 0;
        return async (chunk) => {
          if (run.budget.spent) throw new BudgetSpent();
          got += chunk.length;
          // A copy: the reader's chunk is its own buffer, valid only until this resolves.
          if (!channel.stopped) await channel.push(Buffer.from(chunk));
          if (got >= entry.storedSize) {
            channel.end();
            current = undefined;
            await done;
          }
        };
      },
      {
        onSkip: (region) =>
          run.sink.unknown(
            archive,
            new ImageFormatError(
              archive,
              "tar header",
              region.offset,
              `a header with a valid checksum (${region.length} bytes passed over unread)`,
            ),
          ),
      },
    );
  } catch (e) {
    if (current) {
      current.channel.fail(new UpstreamFailed());
      await current.done.catch(() => {});
    }
    throw e;
  } finally {
    await it.return?.();
  }
}

/** yauzl's settings: entries one at a time; names as bytes (its name checks stop at `../`, harmless here). */
const ZIP_OPTIONS: yauzl.Options = {
  lazyEntries: true,
  autoClose: false,
  decodeStrings: false,
  validateEntrySizes: true,
};

const CLASS_FILE = /\.class$/i;

async function scanZip(archive: string, zip: yauzl.ZipFile, depth: number, run: Run): Promise<void> {
  try {
    for await (const entry of zip.eachEntry()) {
      const raw = entry.fileName as unknown as Buffer;
      // Bit 11: the name is UTF-8; else IBM code page 437, whose ASCII half is all a path needs.
      const name = raw.toString(entry.generalPurposeBitFlag & 0x800 ? "utf8" : "latin1");
      // A jar's classes are binaries (the content pass reads no binary): not inflated only to say so.
      if (name.endsWith("/") || entry.uncompressedSize === 0 || CLASS_FILE.test(name)) continue;
      const path = memberPath(archive, name);
      if (isNoiseMember(run, archive, path)) continue;
      if (entry.isEncrypted()) {
        run.sink.unknown(path, new FsError("ENOTSUP", path, "an encrypted zip member: not read"));
        continue;
      }
      if (!entry.canDecodeFileData()) {
        run.sink.unknown(
          path,
          new FsError(
            "ENOTSUP",
            path,
            `a zip member compressed with method ${entry.compressionMethod}: not read`,
          ),
        );
        continue;
      }
      let stream: Readable;
      try {
        stream = await zip.openReadStreamPromise(entry);
      } catch (e) {
        failed(run, path, zipError(archive, e));
        continue;
      }
      await scanMember(path, metered(stream, run), depth, run);
    }
  } finally {
    zip.close();
  }
}

/** yauzl's errors are plain Errors: named as the zip structure they are about. */
function zipError(archive: string, e: unknown): unknown {
  if (e instanceof ImageFormatError || e instanceof FsError || !(e instanceof Error)) return e;
  return new ImageFormatError(archive, "zip", -1, `a readable zip (${e.message})`);
}

/** A zip in the image, read through the image's tree. */
class RangeReader extends yauzl.RandomAccessReader {
  constructor(private readonly file: ArchiveFile) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    return this.file.read(start, end);
  }
}

/** `chunks`, each counted against the archive's budget. */
async function* metered(chunks: AsyncIterable<Buffer | Uint8Array>, run: Run): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    run.budget.spend(chunk.length);
    yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  }
}

/**
 * The first `n` bytes of `chunks` (fewer at its end), and all of it again from the start. close()
 * ends the underlying iteration whether or not `rest` was read (a channel's producer then stops
 * waiting on it).
 */
async function peek(
  chunks: AsyncIterable<Buffer>,
  n: number,
): Promise<{ head: Buffer; rest: AsyncIterable<Buffer>; close: () => Promise<void> }> {
  const it = chunks[Symbol.asyncIterator]();
  const taken: Buffer[] = [];
  let size = 0;
  let ended = false;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (!ended) await it.return?.();
  };
  try {
    while (size < n) {
      const r = await it.next();
      if (r.done) {
        ended = true;
        break;
      }
      taken.push(r.value);
      size += r.value.length;
    }
  } catch (e) {
    ended = true;
    throw e;
  }
  const head = Buffer.concat(taken, size).subarray(0, n);
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      yield* taken;
      while (!ended && !closed) {
        const r = await it.next();
        if (r.done) {
          ended = true;
          return;
        }
        yield r.value;
      }
    } finally {
      await close();
    }
  }
  return { head, rest: rest(), close };
}
