import type { Readable } from "node:stream";
import type { HostRuns } from "../io/bytes.js";

/**
 * One read-only view over an image's files, whatever holds them: a host directory, a tar archive,
 * an ext4/XFS/NTFS/vfat filesystem. Implementations work on *canonical* absolute paths
 * ("/etc/ssh/sshd_config", no ".", "..", or symlinks in the middle) and never follow symlinks
 * themselves; `Image` (image.ts) resolves links inside the image on top of this.
 */
export interface FileTree {
  /** What this tree is, for messages: "directory /mnt/root", "tar archive image.tar.zst". */
  readonly description: string;
  /** Stat without following a final symlink. Throws FsError ENOENT/ENOTDIR. */
  lstat(path: string): Promise<FileStat>;
  /** Entries of a directory, without "." and "..", in no particular order. */
  readdir(path: string): Promise<DirEntry[]>;
  /**
   * Optional, for walks: a directory's entries (as readdir) each with its lstat, or the error the
   * lstat of that entry would throw. A tree that reads entries' inodes by number saves a path
   * lookup per entry (ext4: most of a walk's CPU was looking up paths it had just listed).
   */
  readdirStats?(path: string): Promise<EntryStat[]>;
  /** Target of a symlink, as stored. Throws FsError EINVAL if not a symlink. */
  readlink(path: string): Promise<string>;
  /**
   * Whole contents of a regular file. Throws FsError EFBIG when the file is larger than
   * `maxBytes` (so a hostile 10 GiB file never lands in memory). A tree may read into `scratch`
   * when the file fits and return a view of it: the caller is done with those bytes before it
   * hands `scratch` to another read (a pass over many files then allocates no buffer per file).
   */
  readFile(path: string, options: { maxBytes: number; scratch?: Buffer }): Promise<Buffer>;
  /** Streams a regular file's bytes, optionally a range [start, end). */
  createReadStream(path: string, options?: { start?: number; end?: number }): Readable;
  /**
   * The SHA-256 (hex) of a regular file's bytes when the tree already knows it without reading them
   * again (an archive digests every file while indexing), else undefined. Optional; a tree that
   * wraps another passes it on for the paths it does not change.
   */
  sha256?(path: string): string | undefined;
  /**
   * Optional: where a regular file's bytes lie in a host file the process has open, for a reader on
   * another thread; undefined when they do not lie there as they are (inline data, a filesystem
   * inside a VMDK or qcow2). Checked as readFile would check them: every run lies inside the volume.
   * `ino` is the file's inode number as this tree's lstat gave it (a walk's): a tree may find the
   * inode by it instead of looking the path up again. A tree may answer, or throw, at once (not
   * through a promise) when it has what it needs at hand: the content pass maps every file it reads.
   */
  hostExtents?(path: string, ino?: number): HostExtents | undefined | Promise<HostExtents | undefined>;
  /** Releases file handles, caches, temporary files. */
  close(): Promise<void>;
}

/**
 * A regular file's bytes as runs of an open host file (FileTree.hostExtents): pairs (host offset,
 * length) covering them in order, `size` in all; a host offset of -1 is a run of zeros (a hole, an
 * unwritten extent), one of -2 - i bytes of a compressed unit (HostRuns.packed).
 */
export interface HostExtents extends HostRuns {
  size: number;
}

export type FileType = "file" | "directory" | "symlink" | "char" | "block" | "fifo" | "socket" | "unknown";

export interface FileStat {
  type: FileType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Size in bytes (apparent size; sparse files report their full length). */
  size: number;
  mtimeMs: number;
  /** Identity of the inode within this tree, when the format has one (for hard links and cycles). */
  ino?: number;
  /** Which filesystem of a mounted tree holds it (inode numbers repeat across filesystems). */
  dev?: number;
  nlink?: number;
}

export interface DirEntry {
  name: string;
  type: FileType;
}

/** One entry of readdirStats: its lstat, or the error that lstat would throw. */
export type EntryStat = { name: string; stat: FileStat } | { name: string; error: unknown };

/** A node of a finished walk: path plus the lstat of that path. */
export interface WalkEntry {
  path: string;
  stat: FileStat;
}

/**
 * The buffer a tree reads a whole file of `size` bytes into: a view of the caller's `scratch` when
 * the file fits (readFile's contract), else one of its own.
 */
export function wholeFileBuffer(size: number, scratch: Buffer | undefined): Buffer {
  return scratch && size <= scratch.length ? scratch.subarray(0, size) : Buffer.allocUnsafe(size);
}
