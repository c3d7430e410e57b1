import { Readable } from "node:stream";
import { FsError } from "../io/errors.js";
import type { DirEntry, FileStat, FileTree, FileType, HostExtents } from "./filetree.js";
import { baseName, joinImagePath, normalizeImagePath, parentOf } from "./path.js";

/** A change laid over a base tree: a new or replaced file/dir/symlink/fifo, or a removal. */
export type OverlayChange =
  | { type: "file"; content: string | Buffer; mode?: number; uid?: number; gid?: number }
  | { type: "directory"; mode?: number; uid?: number; gid?: number }
  | { type: "symlink"; target: string }
  | { type: "fifo" }
  | { type: "deleted" };

/**
 * A base tree with changes on top, read-only like every FileTree. Tests use it to seed one
 * violation into the real Debian rootfs without copying it; parents of new paths appear as
 * directories.
 */
export class OverlayTree implements FileTree {
  readonly description: string;
  private readonly changes = new Map<string, OverlayChange>();
  /** Directory → names added below it by changes. */
  private readonly added = new Map<string, Set<string>>();

  constructor(
    private readonly base: FileTree,
    changes: Record<string, OverlayChange | string>,
  ) {
    this.description = `${base.description} (with ${Object.keys(changes).length} changes)`;
    for (const [rawPath, change] of Object.entries(changes)) {
      const path = normalizeImagePath(rawPath);
      this.changes.set(path, typeof change === "string" ? { type: "file", content: change } : change);
      let child = path;
      for (let dir = parentOf(path); ; dir = parentOf(dir)) {
        const names = this.added.get(dir) ?? new Set<string>();
        this.added.set(dir, names);
        names.add(baseName(child));
        if (dir === "/") break;
        child = dir;
      }
    }
  }

  private isDeleted(path: string): boolean {
    let p = path;
    for (;;) {
      if (this.changes.get(p)?.type === "deleted") return true;
      if (p === "/") return false;
      p = parentOf(p);
    }
  }

  async lstat(path: string): Promise<FileStat> {
    if (this.isDeleted(path)) throw new FsError("ENOENT", path);
    const change = this.changes.get(path);
    if (change) return statOf(change);
    try {
      return await this.base.lstat(path);
    } catch (e) {
      if (this.added.has(path)) return statOf({ type: "directory" });
      throw e;
    }
  }

  async readdir(path: string): Promise<DirEntry[]> {
    const st = await this.lstat(path);
    if (st.type !== "directory") throw new FsError("ENOTDIR", path);
    const byName = new Map<string, DirEntry>();
    if (!this.changes.has(path)) {
      try {
        for (const e of await this.base.readdir(path)) byName.set(e.name, e);
      } catch (e) {
        if (!this.added.has(path)) throw e;
      }
    }
    for (const name of this.added.get(path) ?? []) {
      const child = joinImagePath(path, name);
      const change = this.changes.get(child);
      if (change?.type === "deleted") byName.delete(name);
      else byName.set(name, { name, type: change ? statOf(change).type : "directory" });
    }
    return [...byName.values()];
  }

  async readlink(path: string): Promise<string> {
    const change = this.changes.get(path);
    if (change?.type === "symlink") return change.target;
    if (change) throw new FsError("EINVAL", path, "not a symlink");
    if (this.isDeleted(path)) throw new FsError("ENOENT", path);
    return this.base.readlink(path);
  }

  /** The base's digest, for paths the overlay leaves as they are. */
  sha256(path: string): string | undefined {
    if (this.changes.has(path) || this.isDeleted(path)) return undefined;
    return this.base.sha256?.(path);
  }

  async readFile(path: string, options: { maxBytes: number }): Promise<Buffer> {
    const change = this.changes.get(path);
    if (!change) {
      if (this.isDeleted(path)) throw new FsError("ENOENT", path);
      return this.base.readFile(path, options);
    }
    if (change.type !== "file") throw new FsError("EINVAL", path, "not a regular file");
    const buf = Buffer.from(change.content);
    if (buf.length > options.maxBytes) throw new FsError("EFBIG", path);
    return buf;
  }

  createReadStream(path: string, options?: { start?: number; end?: number }): Readable {
    const change = this.changes.get(path);
    if (!change) return this.base.createReadStream(path, options);
    if (change.type !== "file") throw new FsError("EINVAL", path, "not a regular file");
    return Readable.from([Buffer.from(change.content).subarray(options?.start ?? 0, options?.end)]);
  }

  hostExtents(path: string, ino?: number): HostExtents | undefined | Promise<HostExtents | undefined> {
    if (this.changes.has(path) || this.isDeleted(path)) return undefined;
    return this.base.hostExtents?.(path, ino);
  }

  close(): Promise<void> {
    return this.base.close();
  }
}

function statOf(change: OverlayChange): FileStat {
  const type: FileType = change.type === "deleted" ? "unknown" : change.type;
  const owner = "uid" in change ? { uid: change.uid ?? 0, gid: change.gid ?? 0 } : { uid: 0, gid: 0 };
  const mode =
    "mode" in change && change.mode !== undefined
      ? change.mode
      : type === "directory"
        ? 0o755
        : type === "symlink"
          ? 0o777
          : 0o644;
  const size =
    change.type === "file"
      ? Buffer.byteLength(change.content)
      : change.type === "symlink"
        ? change.target.length
        : 0;
  return { type, mode, ...owner, size, mtimeMs: 0 };
}
