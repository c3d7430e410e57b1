import type { FileStat, FileType } from "../../fs/filetree.js";
import type { SparseSegment, TarEntry } from "./parse.js";

/** Where a regular file's stored bytes are: the archive itself (plain tar) or the spill file. */
export interface DataLocation {
  store: "archive" | "spill";
  offset: number;
  sparse?: SparseSegment[];
}

export interface Inode {
  stat: FileStat;
  linkTarget?: string;
  data?: DataLocation;
  children?: Map<string, Inode>;
}

export interface SuspiciousEntry {
  name: string;
  reason: string;
}

/** At most this many suspicious entries are listed; the rest are only counted. */
const SUSPICIOUS_LISTED = 1000;

const TYPES: Record<string, FileType> = {
  "2": "symlink",
  "3": "char",
  "4": "block",
  "5": "directory",
  D: "directory",
  "6": "fifo",
};
/** GNU volume labels, multi-volume continuations and old long-name records are not files. */
const NOT_FILES = new Set(["V", "M", "N"]);

/**
 * Builds the tree the way extracting the archive would: parents are created as needed (0755),
 * a later entry replaces an earlier one, hard links share their target's inode. Entries that
 * would land outside the root (absolute names, ".." components) or through a symlink are kept
 * out of the tree and listed in `suspicious`.
 */
export class IndexBuilder {
  private nextIno = 2;
  readonly root: Inode = { stat: dirStat(1), children: new Map() };
  readonly suspicious: SuspiciousEntry[] = [];
  suspiciousOmitted = 0;

  /** Adds one entry; returns its inode when it is a regular file whose data should be kept. */
  add(entry: TarEntry, data: DataLocation): Inode | undefined {
    if (NOT_FILES.has(entry.typeflag)) return undefined;
    const parts = this.components(entry.name, "");
    if (!parts) return undefined;
    if (parts.length === 0) {
      if (entry.typeflag === "5") Object.assign(this.root.stat, ownership(entry));
      else this.report(entry.name, "replaces the root directory with a non-directory");
      return undefined;
    }
    const parent = this.parentDir(parts, entry.name);
    if (!parent) return undefined;
    const name = parts[parts.length - 1]!;
    const existing = parent.get(name);

    if (entry.typeflag === "1") {
      const target = this.hardLinkTarget(entry);
      if (!target) return undefined;
      if (existing && existing !== target && existing.stat.nlink) existing.stat.nlink--;
      target.stat.nlink = (target.stat.nlink ?? 1) + 1;
      parent.set(name, target);
      return undefined;
    }
    const type = TYPES[entry.typeflag] ?? "file";
    if (type === "directory" && existing?.children) {
      Object.assign(existing.stat, ownership(entry));
      return undefined;
    }
    if (existing?.stat.nlink) existing.stat.nlink--;
    const stat: FileStat = { type, ...ownership(entry), size: 0, ino: this.nextIno++, nlink: 1 };
    const inode: Inode = { stat };
    if (type === "file") {
      stat.size = entry.size;
      inode.data = data;
    } else if (type === "symlink") {
      inode.linkTarget = entry.linkname;
      stat.size = Buffer.byteLength(entry.linkname);
    } else if (type === "directory") {
      inode.children = new Map();
    }
    parent.set(name, inode);
    return type === "file" ? inode : undefined;
  }

  /** Name components, or undefined (and a report) for names that would leave the root. */
  private components(name: string, what: string): string[] | undefined {
    if (name === "") return this.report(name, `${what}empty name`);
    if (name.startsWith("/")) return this.report(name, `${what}absolute path`);
    const parts = name.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.includes("..")) return this.report(name, `${what}'..' component climbs out of the root`);
    return parts;
  }

  private parentDir(parts: string[], name: string): Map<string, Inode> | undefined {
    let dir = this.root.children!;
    for (const part of parts.slice(0, -1)) {
      let child = dir.get(part);
      if (!child) {
        child = { stat: dirStat(this.nextIno++), children: new Map() };
        dir.set(part, child);
      }
      if (!child.children) {
        const why = child.stat.type === "symlink" ? "goes through a symlink" : "goes through a non-directory";
        return this.report(name, `path ${why} (${part})`);
      }
      dir = child.children;
    }
    return dir;
  }

  private hardLinkTarget(entry: TarEntry): Inode | undefined {
    const parts = this.components(entry.linkname, "hard link target: ");
    if (!parts) return undefined;
    let node: Inode | undefined = this.root;
    for (const part of parts) node = node?.children?.get(part);
    if (!node) return this.report(entry.name, `hard link to a missing entry (${entry.linkname})`);
    if (node.children) return this.report(entry.name, `hard link to a directory (${entry.linkname})`);
    return node;
  }

  private report(name: string, reason: string): undefined {
    if (this.suspicious.length < SUSPICIOUS_LISTED) this.suspicious.push({ name, reason });
    else this.suspiciousOmitted++;
    return undefined;
  }
}

function ownership(entry: TarEntry) {
  return { mode: entry.mode, uid: entry.uid, gid: entry.gid, mtimeMs: entry.mtimeMs };
}

function dirStat(ino: number): FileStat {
  return { type: "directory", mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs: 0, ino, nlink: 1 };
}
