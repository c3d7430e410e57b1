import type { Readable } from "node:stream";
import { FsError } from "../io/errors.js";
import type { DirEntry, EntryStat, FileStat, FileTree, HostExtents } from "./filetree.js";
import { baseName, normalizeImagePath, parentOf } from "./path.js";

export interface Mount {
  /** Canonical absolute mount point ("/", "/boot", "/home"). */
  mountPoint: string;
  tree: FileTree;
}

/** Where a path is read: a filesystem, the path inside it, and that filesystem's number. */
interface Located {
  tree: FileTree;
  inner: string;
  dev: number;
}

/**
 * Several filesystems stitched by mount point, as the OS sees them after mounting its fstab: the
 * longest mount point that contains a path serves it. A mount point always reads as a directory
 * and appears in its parent's listing even when the parent filesystem lacks that directory.
 *
 * What a mount hides is listed too: files in the filesystem below a mount point (a root's /home
 * written before /home was a volume of its own) are out of the instance's sight but in the image,
 * and whoever launches it can read them. They appear beside the mount point as a directory named
 * "home (hidden by its mount)", so the walk and the credential pass read them and a finding
 * says where they are, while lookups of the OS's own paths see what the OS sees.
 */
export class MountedTree implements FileTree {
  readonly description: string;
  private readonly mounts: Array<Mount & { dev: number }>;
  /** The directories that list what a mount hides, by path, once their parent was listed. */
  private readonly hidden = new Map<string, Located>();
  /** Directories holding a mount point: the only ones whose listings differ from their tree's. */
  private readonly parents: Set<string>;

  constructor(mounts: Mount[], description?: string) {
    this.mounts = mounts
      .map((m, dev) => ({ mountPoint: normalizeImagePath(m.mountPoint), tree: m.tree, dev }))
      .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
    this.parents = new Set(
      this.mounts.filter((m) => m.mountPoint !== "/").map((m) => parentOf(m.mountPoint)),
    );
    if (!this.mounts.some((m) => m.mountPoint === "/"))
      throw new FsError("EINVAL", "/", "a mounted tree needs a root mount");
    this.description =
      description ?? this.mounts.map((m) => `${m.mountPoint}: ${m.tree.description}`).join(", ");
  }

  /** The tree serving `path` and the path inside it. */
  private locate(path: string): Located {
    for (const [at, h] of this.hidden)
      if (path === at || path.startsWith(`${at}/`))
        return { tree: h.tree, inner: h.inner + path.slice(at.length), dev: h.dev };
    return this.serving(path);
  }

  /** The mount serving `path` as the OS sees it, or the one below `hiding` when given. */
  private serving(path: string, hiding?: string): Located {
    for (const m of this.mounts) {
      if (m.mountPoint === hiding) continue;
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
      if (m.mountPoint !== "/" && parentOf(m.mountPoint) === path && !names.has(baseName(m.mountPoint))) {
        entries.push({ name: baseName(m.mountPoint), type: "directory" });
        names.add(baseName(m.mountPoint));
      }
    }
    for (const h of await this.hiddenHere(path, names)) entries.push({ name: h.name, type: "directory" });
    return entries;
  }

  /**
   * The mounts in directory `path` whose mount point holds files in the filesystem below them,
   * each with the name it is listed under (`names`: the listing's own, which it must not take).
   */
  private async hiddenHere(
    path: string,
    names: Set<string>,
  ): Promise<Array<{ name: string; stat: FileStat }>> {
    if (!this.parents.has(path)) return [];
    const out: Array<{ name: string; stat: FileStat }> = [];
    for (const m of this.mounts) {
      if (m.mountPoint === "/" || parentOf(m.mountPoint) !== path) continue;
      const below = this.serving(m.mountPoint, m.mountPoint);
      let stat: FileStat;
      try {
        stat = await below.tree.lstat(below.inner);
        if (stat.type !== "directory" || (await below.tree.readdir(below.inner)).length === 0) continue;
      } catch {
        continue; // nothing below the mount point: nothing hidden
      }
      let name = `${baseName(m.mountPoint)} (hidden by its mount)`;
      while (names.has(name)) name = `${name} `;
      names.add(name);
      this.hidden.set(path === "/" ? `/${name}` : `${path}/${name}`, below);
      out.push({ name, stat: { ...stat, dev: below.dev } });
    }
    return out;
  }

  /**
   * The listing with each entry's lstat, as readdir and lstat of each entry would give them: from
   * the filesystem's own readdirStats when it has one (ext4 reads the inodes by number), with the
   * mount points in this directory stat'ed as the roots of their filesystems. Without it, a disk
   * with an EFI partition mounted at /boot/efi walked by a path lookup per entry.
   */
  async readdirStats(path: string): Promise<EntryStat[]> {
    const { tree, inner, dev } = this.locate(path);
    if (tree.readdirStats && !this.parents.has(path)) {
      // Most directories hold no mount point: the tree's own listing, each stat given the mount's
      // dev in place (a listing's stats are made for it; a copy of each was a tenth of a disk walk).
      const listed = await tree.readdirStats(inner);
      for (const e of listed) if ("stat" in e) e.stat.dev = dev;
      return listed;
    }
    const mountsHere = this.mounts.filter((m) => m.mountPoint !== "/" && parentOf(m.mountPoint) === path);
    const mountNames = new Set(mountsHere.map((m) => baseName(m.mountPoint)));
    const out: EntryStat[] = [];
    if (tree.readdirStats) {
      for (const e of await tree.readdirStats(inner)) {
        if (mountNames.has(e.name)) continue;
        out.push("stat" in e ? { name: e.name, stat: { ...e.stat, dev } } : e);
      }
    } else {
      for (const e of await tree.readdir(inner)) {
        if (mountNames.has(e.name)) continue;
        const child = path === "/" ? `/${e.name}` : `${path}/${e.name}`;
        try {
          out.push({ name: e.name, stat: await this.lstat(child) });
        } catch (error) {
          out.push({ name: e.name, error });
        }
      }
    }
    for (const m of mountsHere) {
      try {
        out.push({ name: baseName(m.mountPoint), stat: await this.lstat(m.mountPoint) });
      } catch (error) {
        out.push({ name: baseName(m.mountPoint), error });
      }
    }
    out.push(...(await this.hiddenHere(path, new Set(out.map((e) => e.name)))));
    return out;
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

  hostExtents(path: string, ino?: number): HostExtents | undefined | Promise<HostExtents | undefined> {
    // lstat gives the inner tree's inode numbers (with the mount's dev): they are the inner tree's.
    const { tree, inner } = this.locate(path);
    return tree.hostExtents?.(inner, ino);
  }

  async close(): Promise<void> {
    for (const m of this.mounts) await m.tree.close();
  }
}

/** A MountedTree, or the root tree itself when nothing else is mounted. */
export function mountedTree(root: FileTree, others: Mount[]): FileTree {
  return others.length === 0 ? root : new MountedTree([{ mountPoint: "/", tree: root }, ...others]);
}
