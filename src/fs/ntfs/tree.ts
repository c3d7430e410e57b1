import { Readable } from "node:stream";
import { hostRunsOf } from "../../io/bytes.js";
import { FsError, ImageFormatError, isFsError } from "../../io/errors.js";
import type { DirEntry, EntryStat, FileStat, FileTree, FileType, HostExtents } from "../filetree.js";
import { isUnopenableName, splitImagePath } from "../path.js";
import { type IndexEntry, readDirectoryIndex } from "./directory.js";
import { AttrType, filetimeToMs, parseFileName } from "./record.js";
import { isLinkTag, reparseTarget } from "./reparse.js";
import { MFT_RECORD, type NtfsFile, type NtfsVolume } from "./volume.js";
import {
  type FileBytes,
  IO_REPARSE_TAG_DEDUP,
  IO_REPARSE_TAG_WOF,
  WOF_STREAM,
  WofStream,
  wofChunking,
} from "./wof.js";

const FILE_ATTRIBUTE_READONLY = 0x01;
const FILE_ATTRIBUTE_REPARSE_POINT = 0x400;
const FILE_NAME_INDEX_PRESENT = 0x10000000;
const DIR_CACHE = 512;
const STREAM_CHUNK = 1 << 20;

interface Listing {
  entries: IndexEntry[];
  exact: Map<string, IndexEntry>;
  folded: Map<string, IndexEntry>;
}

/**
 * An NTFS volume as a FileTree. Lookups are case-insensitive through the volume's $UpCase table,
 * as Windows resolves them ("/windows/system32" finds "/Windows/System32"); readdir returns the
 * names as stored, long (Win32/POSIX) names only. Symlinks and junctions are symlinks; other
 * reparse points (dedup, cloud files) are read as the file or directory they are.
 */
export class NtfsTree implements FileTree {
  readonly description: string;
  private readonly listings = new Map<number, Listing>();
  private upcase?: Uint16Array;

  constructor(private readonly vol: NtfsVolume) {
    this.description = `NTFS volume ${vol.file}`;
  }

  private fold(name: string): string {
    const t = this.upcase;
    if (!t) return name.toUpperCase();
    let s = "";
    for (let i = 0; i < name.length; i++) s += String.fromCharCode(t[name.charCodeAt(i)]!);
    return s;
  }

  private async listing(dir: NtfsFile): Promise<Listing> {
    const hit = this.listings.get(dir.number);
    if (hit) return hit;
    this.upcase ??= await this.vol.upcaseTable();
    const entries = await readDirectoryIndex(this.vol, dir);
    const exact = new Map<string, IndexEntry>();
    const folded = new Map<string, IndexEntry>();
    for (const e of entries) {
      if (isUnopenableName(e.name.name))
        throw new ImageFormatError(
          this.vol.file,
          `MFT record ${dir.number} $I30`,
          -1,
          `names without "/" or NUL (got ${JSON.stringify(e.name.name)})`,
        );
      if (!exact.has(e.name.name)) exact.set(e.name.name, e);
      const f = this.fold(e.name.name);
      if (!folded.has(f)) folded.set(f, e);
    }
    const listing = { entries, exact, folded };
    if (this.listings.size >= DIR_CACHE) this.listings.delete(this.listings.keys().next().value as number);
    this.listings.set(dir.number, listing);
    return listing;
  }

  private typeOf(file: NtfsFile): FileType {
    const rp = file.attributes.find((a) => a.type === AttrType.reparsePoint);
    if (rp?.resident && rp.resident.length >= 4 && isLinkTag(rp.resident.readUInt32LE(0))) return "symlink";
    return file.isDirectory ? "directory" : "file";
  }

  /** The base record at `path`, each component matched exactly first, then case-insensitively. */
  private async resolve(path: string): Promise<NtfsFile> {
    let file = await this.vol.loadFile(MFT_RECORD.root);
    let at = "";
    for (const name of splitImagePath(path)) {
      at += `/${name}`;
      if (!file.isDirectory || this.typeOf(file) === "symlink") throw new FsError("ENOTDIR", at);
      const l = await this.listing(file);
      const e = l.exact.get(name) ?? l.folded.get(this.fold(name));
      if (!e) throw new FsError("ENOENT", at);
      file = await this.vol.loadFile(e.record);
    }
    return file;
  }

  async lstat(path: string): Promise<FileStat> {
    const { file, stream } = await this.resolveStream(path);
    const stat = this.statOf(file);
    return stream === undefined ? stat : this.streamStat(file, stat, stream);
  }

  /**
   * The entries with their records loaded by number, as lstat of each would give them (a name
   * listed twice stats as the first, as a lookup finds it): a walk without it resolved every
   * entry's path from the root, case-folding each component.
   */
  async readdirStats(path: string): Promise<EntryStat[]> {
    const dir = await this.resolve(path);
    if (this.typeOf(dir) !== "directory") throw new FsError("ENOTDIR", path);
    const listing = await this.listing(dir);
    const out: EntryStat[] = [];
    for (const e of listing.entries) {
      const name = e.name.name;
      const first = listing.exact.get(name) ?? e;
      if (first !== e && first.record === e.record) continue; // the same file listed twice
      if (first !== e) {
        // A name twice in one index (crafted: NTFS never writes it): a lookup opens the first, as
        // Windows' search of the index does; the other is reported, not read as the first again.
        out.push({
          name,
          error: new ImageFormatError(
            this.vol.file,
            `MFT record ${dir.number} $I30`,
            -1,
            `one entry named ${JSON.stringify(name)} (another, MFT record ${e.record}, is not read)`,
          ),
        });
        continue;
      }
      try {
        const file = await this.vol.loadFile(first.record);
        const stat = this.statOf(file);
        out.push({ name, stat });
        // Alternate data streams ("notes.txt:secret", also on directories) hold bytes like a
        // file's own, which Windows programs read and write by that name; the walk lists them so
        // they are scanned.
        if (stat.type === "file" || stat.type === "directory")
          out.push(...this.streamEntries(file, stat, name));
      } catch (error) {
        out.push({ name, error });
      }
    }
    // The root's own streams, which no parent lists: "/:name".
    if (dir.number === MFT_RECORD.root) out.push(...this.streamEntries(dir, this.statOf(dir), ""));
    return out;
  }

  /** Entries for the named streams of `file` (listed as `name`), as `name:stream`. */
  private streamEntries(file: NtfsFile, stat: FileStat, name: string): EntryStat[] {
    return streamNames(file).map((stream) =>
      isUnopenableName(stream)
        ? {
            // Joined into a path, such a name would pose as other files; its bytes are reported
            // unread instead.
            name: `${name}:${stream.replace(/[/\0]/g, "?")}`,
            error: new ImageFormatError(
              this.vol.file,
              `MFT record ${file.number} $DATA`,
              -1,
              `a stream name without "/" or NUL (got ${JSON.stringify(stream)})`,
            ),
          }
        : { name: `${name}:${stream}`, stat: this.streamStat(file, stat, stream) },
    );
  }

  /**
   * A named stream's stat: a regular file with its owner's times, the stream's size and no inode
   * number of its own (a directory's stream is a file, not another directory).
   */
  private streamStat(file: NtfsFile, base: FileStat, stream: string): FileStat {
    const { ino: _ino, ...rest } = base;
    const size = this.vol.stream(file, AttrType.data, stream)?.size ?? 0;
    return { ...rest, type: "file", mode: base.type === "directory" ? 0o644 : base.mode, size, nlink: 1 };
  }

  /** For "dir/file:stream" that names no entry: the file and the stream, when it has that stream. */
  private async streamAt(path: string): Promise<{ file: NtfsFile; stream: string } | undefined> {
    const cut = path.lastIndexOf("/");
    const last = path.slice(cut + 1);
    const colon = last.indexOf(":");
    // "/:name" names a stream of the root itself; elsewhere "dir/owner:name".
    if (colon < 0 || (colon === 0 && cut !== 0)) return undefined;
    const file = await this.resolve(`${path.slice(0, cut) || ""}/${last.slice(0, colon)}`);
    const stream = last.slice(colon + 1);
    const type = this.typeOf(file);
    if ((type !== "file" && type !== "directory") || !streamNames(file).includes(stream)) return undefined;
    return { file, stream };
  }

  /** resolve, or for a path naming an alternate data stream, its file and stream. */
  private async resolveStream(path: string): Promise<{ file: NtfsFile; stream?: string }> {
    try {
      return { file: await this.resolve(path) };
    } catch (e) {
      const named = isFsError(e, "ENOENT") ? await this.streamAt(path) : undefined;
      if (!named) throw e;
      return named;
    }
  }

  private statOf(file: NtfsFile): FileStat {
    const type = this.typeOf(file);
    const si = file.attributes.find((a) => a.type === AttrType.standardInformation)?.resident;
    const attrs = si && si.length >= 0x24 ? si.readUInt32LE(0x20) : 0;
    const names = file.attributes
      .filter((a) => a.type === AttrType.fileName && a.resident)
      .map((a) => parseFileName(a.resident!, this.vol.file, -1))
      .filter((n) => n.namespace !== 2);
    const data = type === "file" ? this.vol.stream(file, AttrType.data) : undefined;
    return {
      type,
      mode:
        type === "directory"
          ? 0o755
          : type === "symlink"
            ? 0o777
            : attrs & FILE_ATTRIBUTE_READONLY
              ? 0o444
              : 0o644,
      uid: 0,
      gid: 0,
      size: type === "symlink" ? this.linkTarget(file).length : (data?.size ?? 0),
      mtimeMs: si && si.length >= 16 ? filetimeToMs(si.readBigUInt64LE(8)) : 0,
      ino: file.number,
      nlink: Math.max(1, names.length),
    };
  }

  /** A symlink's or junction's target (typeOf said "symlink", so the reparse point is there). */
  private linkTarget(file: NtfsFile): string {
    const rp = file.attributes.find((a) => a.type === AttrType.reparsePoint)?.resident;
    if (!rp) throw new FsError("EINVAL", `MFT record ${file.number}`, "not a symlink");
    return reparseTarget(rp, this.vol.file, file.number).target;
  }

  async readdir(path: string): Promise<DirEntry[]> {
    const file = await this.resolve(path);
    if (this.typeOf(file) !== "directory") throw new FsError("ENOTDIR", path);
    const listing = await this.listing(file);
    return listing.entries
      .filter((e) => listing.exact.get(e.name.name) === e)
      .map((e) => {
        const f = e.name.flags;
        const type: FileType =
          f & FILE_ATTRIBUTE_REPARSE_POINT && isLinkTag(e.name.reparseTag)
            ? "symlink"
            : f & FILE_NAME_INDEX_PRESENT
              ? "directory"
              : "file";
        return { name: e.name.name, type };
      });
  }

  async readlink(path: string): Promise<string> {
    const file = await this.resolve(path);
    if (this.typeOf(file) !== "symlink") throw new FsError("EINVAL", path, "not a symlink");
    return this.linkTarget(file);
  }

  /**
   * The bytes of the regular file at `path` (found by record number when `record` is given): its
   * $DATA, or for a WOF-compressed file its decoded WofCompressedData. A file whose bytes are kept
   * where amigate does not read them (deduplicated, WIM-backed) is an error, not its sparse $DATA's zeros.
   */
  private async dataOf(path: string, record?: number): Promise<FileBytes | undefined> {
    const { file, stream } =
      record === undefined ? await this.resolveStream(path) : { file: await this.vol.loadFile(record) };
    const type = this.typeOf(file);
    if (stream !== undefined) return this.vol.stream(file, AttrType.data, stream);
    if (type === "directory") throw new FsError("EISDIR", path);
    if (type !== "file") throw new FsError("EINVAL", path, `not a regular file (${type})`);
    const data = this.vol.stream(file, AttrType.data);
    const tag = reparseTagOf(file);
    if (tag === IO_REPARSE_TAG_DEDUP)
      throw new FsError(
        "ENOTSUP",
        path,
        "deduplicated by Windows: its bytes are in the volume's chunk store, not read",
      );
    if (tag !== IO_REPARSE_TAG_WOF) return data;
    const rp = file.attributes.find((a) => a.type === AttrType.reparsePoint)!.resident!;
    const chunking = wofChunking(rp, path);
    const compressed = this.vol.stream(file, AttrType.data, WOF_STREAM);
    const what = `MFT record ${file.number} $DATA:${WOF_STREAM}`;
    if (!compressed)
      throw new ImageFormatError(this.vol.file, what, -1, "the stream a WOF reparse point names");
    return new WofStream(compressed, data?.size ?? 0, chunking, this.vol.file, what);
  }

  async readFile(path: string, options: { maxBytes: number }): Promise<Buffer> {
    const data = await this.dataOf(path);
    if (!data) return Buffer.alloc(0);
    if (data.size > options.maxBytes)
      throw new FsError("EFBIG", path, `${data.size} bytes > ${options.maxBytes}`);
    return Buffer.from(await data.read(0, data.size));
  }

  /**
   * Where an uncompressed, unencrypted non-resident file lies in the host file, for a content
   * thread. Its runs are inside the volume already: the runlist decoder refuses clusters past
   * totalClusters, which the boot sector's reader caps at the source's size.
   */
  async hostExtents(path: string, ino?: number): Promise<HostExtents | undefined> {
    const source = this.vol.source;
    if (!source.hostFile && !source.hostMap) return undefined;
    const data = await this.dataOf(path, ino);
    const runs = data ? data.volumeRuns() : [];
    const host = runs && (await hostRunsOf(source, runs));
    return host && { ...host, size: data?.size ?? 0 };
  }

  createReadStream(path: string, options: { start?: number; end?: number } = {}): Readable {
    const self = this;
    return Readable.from(
      (async function* () {
        const data = await self.dataOf(path);
        if (!data) return;
        const end = Math.min(data.size, options.end ?? data.size);
        for (let at = options.start ?? 0; at < end; at += STREAM_CHUNK)
          yield Buffer.from(await data.read(at, Math.min(STREAM_CHUNK, end - at)));
      })(),
      { objectMode: false },
    );
  }

  async close(): Promise<void> {
    this.listings.clear();
  }
}

/** The reparse tag of a file that has a reparse point. */
function reparseTagOf(file: NtfsFile): number | undefined {
  const rp = file.attributes.find((a) => a.type === AttrType.reparsePoint);
  return rp?.resident && rp.resident.length >= 4 ? rp.resident.readUInt32LE(0) : undefined;
}

/**
 * The names of a file's alternate data streams (named $DATA attributes), each once. A WOF file's
 * WofCompressedData is not one: it is the file's own bytes, compressed, read as the file.
 */
function streamNames(file: NtfsFile): string[] {
  const names = new Set<string>();
  for (const a of file.attributes) if (a.type === AttrType.data && a.name !== "") names.add(a.name);
  if (reparseTagOf(file) === IO_REPARSE_TAG_WOF) names.delete(WOF_STREAM);
  return [...names];
}
