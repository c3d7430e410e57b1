import { createHash, randomBytes } from "node:crypto";
import {
  constants as C,
  closeSync,
  existsSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  lstatSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
  renameSync,
  rmdirSync,
  type Stats,
  unlinkSync,
  writeSync,
} from "node:fs";
import type { Journal } from "../journal.js";
import { type Digest, EMPTY_DIGEST, type PlannedChange, sha256 } from "../operation.js";
import { readXattrs, writeXattrs } from "./xattrs.js";

export interface ApplyOptions {
  /** Follow the plan into other mounted filesystems below the root (off: such changes are refused). */
  crossMounts: boolean;
  journal: Journal;
}

export interface ApplyOutcome {
  change: PlannedChange;
  status: "applied" | "refused" | "failed";
  detail?: string;
  after?: Digest;
}

/** Kernel pseudo-filesystems: never written, whatever the plan says. */
const PSEUDO = new Set(["proc", "sys", "dev"]);

/** A refusal with its reason: the change is not made and the user is told why. */
class Refusal extends Error {}

/**
 * Node has no openat(2); /proc/<pid>/fd/<dirfd>/<name> resolves <name> inside the directory the
 * descriptor holds, so a parent swapped for a symlink after we opened it cannot redirect a write.
 * (A child process, like setfattr, needs the pid form rather than /proc/self.)
 */
const FD_DIR = `/proc/${process.pid}/fd`;

function at(dirFd: number, name: string): string {
  return `${FD_DIR}/${dirFd}/${name}`;
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

/** Host-directory executor: applies a plan below `root` under the rules of the Safety section. */
export class DirectoryApplier {
  private readonly rootFd: number;
  private readonly rootDev: number;

  constructor(
    readonly root: string,
    private readonly options: ApplyOptions,
  ) {
    if (!existsSync(FD_DIR))
      throw new Error("/proc is not mounted: amigate fix needs /proc/<pid>/fd to open files safely");
    this.rootFd = openSync(realpathSync(root), C.O_RDONLY | C.O_DIRECTORY);
    this.rootDev = fstatSync(this.rootFd).dev;
  }

  close(): void {
    closeSync(this.rootFd);
  }

  applyAll(changes: readonly PlannedChange[]): ApplyOutcome[] {
    return changes.map((c) => this.apply(c));
  }

  apply(change: PlannedChange): ApplyOutcome {
    let outcome: ApplyOutcome;
    try {
      const after = this.perform(change);
      outcome = { change, status: "applied", after };
    } catch (e) {
      if (e instanceof Refusal) outcome = { change, status: "refused", detail: e.message };
      else {
        const c = code(e);
        const detail =
          c === "EPERM"
            ? "EPERM: the file is immutable or append-only (chattr +i/+a) or the filesystem refused"
            : c === "EROFS"
              ? "EROFS: read-only filesystem"
              : `${c ?? "error"}: ${e instanceof Error ? e.message : String(e)}`;
        outcome = { change, status: "failed", detail };
      }
    }
    this.options.journal.record({
      operation: change.operation,
      action: change.action,
      path: change.path,
      before: change.action === "create" ? "absent" : change.before,
      ...(outcome.after !== undefined ? { after: outcome.after } : {}),
      status: outcome.status,
      ...(outcome.detail !== undefined ? { detail: outcome.detail } : {}),
    });
    return outcome;
  }

  /** Opens the parent of `path` component by component: no symlinks, no other filesystems, no /proc /sys /dev. */
  private openParent(path: string): { dirFd: number; name: string } {
    const parts = path.split("/").filter((p) => p !== "");
    if (parts.length === 0) throw new Refusal("the root itself is never changed");
    for (const p of parts)
      if (p === "." || p === ".." || p.includes("\0")) throw new Refusal(`not a canonical path: ${path}`);
    if (PSEUDO.has(parts[0]!)) throw new Refusal(`/${parts[0]} is a kernel pseudo-filesystem; never touched`);
    let fd = this.rootFd;
    let walked = "";
    try {
      for (const part of parts.slice(0, -1)) {
        walked += `/${part}`;
        let child: number;
        try {
          child = openSync(at(fd, part), C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
        } catch (e) {
          if (code(e) === "ELOOP" || code(e) === "ENOTDIR")
            throw new Refusal(`${walked} is a symlink or not a directory; never followed`);
          if (code(e) === "ENOENT") throw new Refusal(`${walked} does not exist any more`);
          throw e;
        }
        if (fd !== this.rootFd) closeSync(fd);
        fd = child;
        if (!this.options.crossMounts && fstatSync(fd).dev !== this.rootDev)
          throw new Refusal(`${walked} is another mounted filesystem (use --cross-mounts to include it)`);
      }
    } catch (e) {
      if (fd !== this.rootFd) closeSync(fd);
      throw e;
    }
    return { dirFd: fd, name: parts[parts.length - 1]! };
  }

  private perform(change: PlannedChange): Digest {
    const { dirFd, name } = this.openParent(change.path);
    try {
      const target = at(dirFd, name);
      if (change.action === "create") return this.create(dirFd, name, change.content, change.mode);
      let st: Stats;
      try {
        st = lstatSync(target);
      } catch (e) {
        if (code(e) === "ENOENT") throw new Refusal("does not exist any more");
        throw e;
      }
      if (!this.options.crossMounts && st.dev !== this.rootDev)
        throw new Refusal("is on another mounted filesystem (use --cross-mounts to include it)");
      if (change.action === "remove") return this.remove(dirFd, name, st, change.before);
      if (!st.isFile())
        throw new Refusal(
          st.isSymbolicLink()
            ? "is a symlink; never written through"
            : `is a ${kindOf(st)}, not a regular file; never opened for writing`,
        );
      if (change.action === "truncate") return this.truncate(target, st, change.before);
      return this.replace(dirFd, name, st, change.before, change.content);
    } finally {
      if (dirFd !== this.rootFd) closeSync(dirFd);
    }
  }

  /** Opens a regular file without following links or blocking, and checks it is the inode lstat saw. */
  private openChecked(target: string, st: Stats, flags: number): number {
    const fd = openSync(target, flags | C.O_NOFOLLOW | C.O_NONBLOCK);
    const f = fstatSync(fd);
    if (!f.isFile() || f.ino !== st.ino || f.dev !== st.dev) {
      closeSync(fd);
      throw new Refusal("changed while being opened; not touched");
    }
    return fd;
  }

  private checkDigest(fd: number, before: Digest): void {
    const hash = createHash("sha256");
    const buf = Buffer.alloc(1 << 20);
    for (let pos = 0; ; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
    }
    const now = hash.digest("hex");
    if (now !== before)
      throw new Refusal(
        `content changed since the plan (sha256 ${now.slice(0, 12)}…, planned ${before.slice(0, 12)}…); not touched`,
      );
  }

  private truncate(target: string, st: Stats, before: Digest): Digest {
    const fd = this.openChecked(target, st, C.O_RDWR);
    try {
      this.checkDigest(fd, before);
      ftruncateSync(fd, 0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return EMPTY_DIGEST;
  }

  private remove(dirFd: number, name: string, st: Stats, before: Digest): Digest {
    const target = at(dirFd, name);
    if (st.isDirectory()) {
      rmdirSync(target);
    } else if (st.isSymbolicLink()) {
      const link = `link:${readlinkSync(target)}`;
      if (link !== before) throw new Refusal(`symlink changed since the plan (${link}); not touched`);
      unlinkSync(target);
    } else if (st.isFile()) {
      const fd = this.openChecked(target, st, C.O_RDONLY);
      try {
        this.checkDigest(fd, before);
      } finally {
        closeSync(fd);
      }
      unlinkSync(target);
    } else {
      // FIFOs, sockets and devices are unlinked, never opened.
      if (kindOf(st) !== before) throw new Refusal(`is now a ${kindOf(st)}; not touched`);
      unlinkSync(target);
    }
    fsyncSync(dirFd);
    return "absent";
  }

  /** Atomic replacement: a temporary file in the same directory with owner, mode and xattrs, fsync, rename. */
  private replace(dirFd: number, name: string, st: Stats, before: Digest, content: Buffer): Digest {
    const target = at(dirFd, name);
    const fd = this.openChecked(target, st, C.O_RDONLY);
    try {
      this.checkDigest(fd, before);
    } finally {
      closeSync(fd);
    }
    // Read before anything is written: a refusal must mean nothing changed (a file whose SELinux
    // label or ACL could not be carried over is not replaced at all).
    const xattrs = readXattrs(target);
    if (!Array.isArray(xattrs)) throw new Refusal(`not replaced: ${xattrs.error}`);
    const tmp = this.writeTemp(dirFd, name, content, st.uid, st.gid, st.mode & 0o7777, xattrs);
    try {
      renameSync(at(dirFd, tmp), target);
    } catch (e) {
      unlinkSync(at(dirFd, tmp));
      throw e;
    }
    fsyncSync(dirFd);
    return sha256(content);
  }

  private create(dirFd: number, name: string, content: Buffer, mode: number): Digest {
    const dir = fstatSync(dirFd);
    const tmp = this.writeTemp(dirFd, name, content, dir.uid, dir.gid, mode, []);
    try {
      // link(2) fails with EEXIST instead of replacing a file that appeared since the plan.
      linkSync(at(dirFd, tmp), at(dirFd, name));
    } catch (e) {
      if (code(e) === "EEXIST") throw new Refusal("exists now; not replaced");
      throw e;
    } finally {
      unlinkSync(at(dirFd, tmp));
    }
    fsyncSync(dirFd);
    return sha256(content);
  }

  private writeTemp(
    dirFd: number,
    name: string,
    content: Buffer,
    uid: number,
    gid: number,
    mode: number,
    xattrs: ReadonlyArray<[string, string]>,
  ): string {
    const tmp = `.${name.slice(0, 200)}.amigate-${randomBytes(6).toString("hex")}`;
    const fd = openSync(at(dirFd, tmp), C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
    try {
      for (let off = 0; off < content.length; ) off += writeSync(fd, content, off, content.length - off);
      // Owner first: chown clears setuid/setgid bits, so the mode goes on after it.
      if (process.getuid?.() === 0) fchownSync(fd, uid, gid);
      fchmodSync(fd, mode);
      const failed = writeXattrs(at(dirFd, tmp), xattrs);
      if (failed.length > 0) throw new Error(`could not copy extended attributes ${failed.join(", ")}`);
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      unlinkSync(at(dirFd, tmp));
      throw e;
    }
    closeSync(fd);
    return tmp;
  }
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  if (st.isCharacterDevice()) return "char";
  if (st.isBlockDevice()) return "block";
  if (st.isDirectory()) return "directory";
  if (st.isSymbolicLink()) return "symlink";
  return "file";
}
