import type { Stats } from "node:fs";
import {
  closeSync,
  constants,
  createReadStream,
  promises as fsp,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
} from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { FsError, type FsErrorCode } from "../io/errors.js";
import type { DirEntry, FileStat, FileTree, FileType } from "./filetree.js";
import { joinImagePath, parentOf, splitImagePath } from "./path.js";

function typeOf(st: Stats): FileType {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "directory";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isCharacterDevice()) return "char";
  if (st.isBlockDevice()) return "block";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  return "unknown";
}

export function fileStatOf(st: Stats): FileStat {
  return {
    type: typeOf(st),
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    mtimeMs: st.mtimeMs,
    ino: st.ino,
    nlink: st.nlink,
  };
}

const PASS_THROUGH: ReadonlySet<string> = new Set([
  "ENOENT",
  "ENOTDIR",
  "EISDIR",
  "ELOOP",
  "EACCES",
  "EINVAL",
]);

function toFsError(e: unknown, imagePath: string): FsError {
  const code = (e as NodeJS.ErrnoException).code ?? "EIO";
  return new FsError(
    (PASS_THROUGH.has(code) ? code : code === "EPERM" ? "EACCES" : "EIO") as FsErrorCode,
    imagePath,
  );
}

const MAX_VERIFIED_DIRS = 200_000;

/**
 * A host directory as an image root: a mounted image, an unpacked rootfs, or "/" on a build
 * instance. Host symlinks are never followed: every intermediate component is checked to be a
 * real directory, and files are opened with O_NOFOLLOW, so a link to "/etc" on the host cannot
 * pull host files into the scan.
 */
export class DirectoryTree implements FileTree {
  readonly description: string;
  /** Image paths lstat has shown to be real directories (not symlinks); bounded. */
  private readonly verifiedDirs = new Set<string>(["/"]);

  constructor(readonly root: string) {
    this.root = path.resolve(root);
    this.description = `directory ${this.root}`;
  }

  /** Host path for a canonical image path, after checking no parent is a symlink on the host. */
  private async hostPath(imagePath: string): Promise<string> {
    const parent = parentOf(imagePath);
    if (!this.verifiedDirs.has(parent)) {
      let current = "/";
      for (const part of splitImagePath(parent)) {
        current = joinImagePath(current, part);
        if (this.verifiedDirs.has(current)) continue;
        let st: Stats;
        try {
          st = lstatSync(this.root + current);
        } catch (e) {
          throw toFsError(e, current);
        }
        if (!st.isDirectory()) throw new FsError("ENOTDIR", current);
        this.rememberDirectory(current);
      }
    }
    return imagePath === "/" ? this.root : this.root + imagePath;
  }

  private rememberDirectory(imagePath: string): void {
    if (this.verifiedDirs.size < MAX_VERIFIED_DIRS) this.verifiedDirs.add(imagePath);
  }

  async lstat(imagePath: string): Promise<FileStat> {
    const host = await this.hostPath(imagePath);
    let st: Stats;
    try {
      // Synchronous on purpose: a local lstat takes microseconds, a promise round trip through
      // the thread pool ten times that, and a walk makes one per entry.
      st = lstatSync(host);
    } catch (e) {
      throw toFsError(e, imagePath);
    }
    // A walk lstats every directory before listing it: remembering them spares the listing's own
    // lstat and the parent checks of everything below.
    if (st.isDirectory()) this.rememberDirectory(imagePath);
    return fileStatOf(st);
  }

  async readdir(imagePath: string): Promise<DirEntry[]> {
    const host = await this.hostPath(imagePath);
    try {
      // readdir follows a final symlink, so the path must be known to be a real directory.
      if (!this.verifiedDirs.has(imagePath)) {
        if (!lstatSync(host).isDirectory()) throw new FsError("ENOTDIR", imagePath);
        this.rememberDirectory(imagePath);
      }
      // Non-UTF-8 names decode with U+FFFD and then fail to stat: they surface as unknowns, not crashes.
      const dirents = readdirSync(host, { withFileTypes: true });
      return dirents.map((d) => ({ name: d.name, type: direntType(d) }));
    } catch (e) {
      if (e instanceof FsError) throw e;
      throw toFsError(e, imagePath);
    }
  }

  async readlink(imagePath: string): Promise<string> {
    const host = await this.hostPath(imagePath);
    try {
      return await fsp.readlink(host);
    } catch (e) {
      throw toFsError(e, imagePath);
    }
  }

  async readFile(imagePath: string, options: { maxBytes: number }): Promise<Buffer> {
    const host = await this.hostPath(imagePath);
    let fd: number;
    try {
      // O_NOFOLLOW: never through a host symlink. O_NONBLOCK: a FIFO must never block the scan.
      // Synchronous like lstat: reads are bounded by maxBytes and local.
      fd = openSync(host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e) {
      throw toFsError(e, imagePath);
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile())
        throw new FsError(st.isDirectory() ? "EISDIR" : "EINVAL", imagePath, "not a regular file");
      if (st.size > options.maxBytes)
        throw new FsError("EFBIG", imagePath, `${st.size} bytes > ${options.maxBytes}`);
      const buf = Buffer.alloc(Math.min(st.size, options.maxBytes));
      let filled = 0;
      while (filled < buf.length) {
        const bytesRead = readSync(fd, buf, filled, buf.length - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === buf.length ? buf : buf.subarray(0, filled);
    } catch (e) {
      if (e instanceof FsError) throw e;
      throw toFsError(e, imagePath);
    } finally {
      closeSync(fd);
    }
  }

  createReadStream(imagePath: string, options?: { start?: number; end?: number }): Readable {
    const host = imagePath === "/" ? this.root : this.root + imagePath;
    const end = options?.end !== undefined ? options.end - 1 : undefined;
    return createReadStream(host, {
      // Node accepts numeric open flags here; the typings only admit strings.
      flags: (constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK) as unknown as string,
      start: options?.start,
      end,
    });
  }

  async close(): Promise<void> {}
}

function direntType(d: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): FileType {
  if (d.isFile()) return "file";
  if (d.isDirectory()) return "directory";
  if (d.isSymbolicLink()) return "symlink";
  if (d.isCharacterDevice()) return "char";
  if (d.isBlockDevice()) return "block";
  if (d.isFIFO()) return "fifo";
  if (d.isSocket()) return "socket";
  return "unknown";
}
