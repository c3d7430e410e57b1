import type { Readable } from "node:stream";
import { FsError } from "../io/errors.js";
import type { DirEntry, FileStat, FileTree } from "./filetree.js";
import { baseName, normalizeImagePath, parentOf } from "./path.js";

export interface Mount {
  /** Canonical absolute mount point ("/", "/boot", "/home"). */
  mountPoint: string;
  tree: FileTree;
}

/**
 * Several filesystems stitched by mount point, as the OS sees them after mounting its fstab: the
 * longest mount point that contains a path serves it. A mount point always reads as a directory
 * and appears in its parent's listing even when the parent filesystem lacks that directory.
 */
export class MountedTree implements FileTree {
  readonly description: string;
  private readonly mounts: Array<Mount & { dev: number }>;

  constructor(mounts: Mount[], description?: string) {
    this.mounts = mounts
      .map((m, dev) => ({ mountPoint: normalizeImagePath(m.mountPoint), tree: m.tree, dev }))
      .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
    if (!this.mounts.some((m) => m.mountPoint === "/"))
      throw new FsError("EINVAL", "/", "a mounted tree needs a root mount");
    this.description =
      description ?? this.mounts.map((m) => `${m.mountPoint}: ${m.tree.description}`).join(", ");
  }

  /** The tree serving `path` and the path inside it. */
  private locate(path: string): { tree: FileTree; inner: string; dev: number } {
    for (const m of this.mounts) {
      if (path === m.mountPoint) return { tree: m.tree, inner: "/", dev: m.dev };
      if (path.startsWith(`${m.mountPoint}/`))
        return { tree: m.tree, inner: path.slice(m.mountPoint.length), dev: m.dev };
    }
    // The root mount (sorted last) contains every path.
    const root = this.mounts[this.mounts.length - 1] as Mount & { dev: number };
    return { tree: root.tree, inner: path, dev: root.dev };
  }

  /** The stat, with `dev` telling the mounts apart (each filesystem numbers its inodes from 1). */
  async lstat(path: string): Promise<FileStat> {
    const { tree, inner, dev } = this.locate(path);
    return { ...(await tree.lstat(inner)), dev };
  }

  async readdir(path: string): Promise<DirEntry[]> {
    const { tree, inner } = this.locate(path);
    const entries = await tree.readdir(inner);
    const names = new Set(entries.map((e) => e.name));
    for (const m of this.mounts) {
      if (m.mountPoint !== "/" && parentOf(m.mountPoint) === path && !names.has(baseName(m.mountPoint)))
        entries.push({ name: baseName(m.mountPoint), type: "directory" });
    }
    return entries;
  }

  readlink(path: string): Promise<string> {
    const { tree, inner } = this.locate(path);
    return tree.readlink(inner);
  }

  sha256(path: string): string | undefined {
    const { tree, inner } = this.locate(path);
    return tree.sha256?.(inner);
  }

  readFile(path: string, options: { maxBytes: number }): Promise<Buffer> {
    const { tree, inner } = this.locate(path);
    return tree.readFile(inner, options);
  }

  createReadStream(path: string, options?: { start?: number; end?: number }): Readable {
    const { tree, inner } = this.locate(path);
    return tree.createReadStream(inner, options);
  }

  async close(): Promise<void> {
    for (const m of this.mounts) await m.tree.close();
  }
}

/** A MountedTree, or the root tree itself when nothing else is mounted. */
export function mountedTree(root: FileTree, others: Mount[]): FileTree {
  return others.length === 0 ? root : new MountedTree([{ mountPoint: "/", tree: root }, ...others]);
}
