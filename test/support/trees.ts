import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { DirectoryTree } from "../../src/fs/directory.js";
import type { DirEntry, FileStat, FileTree } from "../../src/fs/filetree.js";
import { Image } from "../../src/fs/image.js";
import { type OverlayChange, OverlayTree } from "../../src/fs/overlay.js";
import { FsError } from "../../src/io/errors.js";
import type { DiskBootInfo } from "../../src/target/target.js";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** ../shared beside the repo (CI puts it there). */
export const SHARED = path.resolve(REPO_ROOT, "../shared");

/** A tree with nothing in it but "/". */
export class EmptyTree implements FileTree {
  readonly description = "empty tree";
  async lstat(p: string): Promise<FileStat> {
    if (p === "/") return { type: "directory", mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs: 0 };
    throw new FsError("ENOENT", p);
  }
  async readdir(p: string): Promise<DirEntry[]> {
    if (p === "/") return [];
    throw new FsError("ENOENT", p);
  }
  async readlink(p: string): Promise<string> {
    throw new FsError("ENOENT", p);
  }
  async readFile(p: string): Promise<Buffer> {
    throw new FsError("ENOENT", p);
  }
  createReadStream(p: string): Readable {
    throw new FsError("ENOENT", p);
  }
  async close(): Promise<void> {}
}

/** A small in-memory image: `{"/etc/passwd": "root:x:0:0::/root:/bin/bash\n"}`. */
export function memoryImage(files: Record<string, OverlayChange | string>): Image {
  return new Image(new OverlayTree(new EmptyTree(), files));
}

let debianPath: string | undefined;

/**
 * The real Debian bookworm rootfs built by fixtures/debian-rootfs.sh (cached; built on first use,
 * which needs root and debootstrap — .ci/run installs it).
 */
export function debianRootfsPath(): string {
  if (debianPath) return debianPath;
  const fromEnv = process.env.AMIGATE_DEBIAN_ROOTFS;
  if (fromEnv && existsSync(fromEnv)) {
    debianPath = fromEnv;
    return debianPath;
  }
  const out = execFileSync("bash", [path.join(REPO_ROOT, "fixtures/debian-rootfs.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  debianPath = out.trim().split("\n").pop()!;
  return debianPath;
}

/** The rootfs's archives (.tar, .tar.gz, .tar.zst, .tar.xz) from fixtures/debian-archives.sh, built on first use. */
export function debianArchivePaths(): string[] {
  const out = execFileSync("bash", [path.join(REPO_ROOT, "fixtures/debian-archives.sh")], {
    encoding: "utf8",
    env: { ...process.env, AMIGATE_DEBIAN_ROOTFS: debianRootfsPath() },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return out.trim().split("\n");
}

/** The Debian rootfs with a few changes laid on top (the base is never modified). */
export function debianImage(changes: Record<string, OverlayChange | string> = {}): Image {
  return new Image(new OverlayTree(new DirectoryTree(debianRootfsPath()), changes));
}

/** What a GPT disk without boot code or EFI system partitions says, with `over` laid on top. */
export function diskBootInfo(over: Partial<DiskBootInfo> = {}): DiskBootInfo {
  return {
    partitionTable: "gpt",
    mbrBootCode: false,
    efiSystemPartitions: [],
    encryptedVolumes: [],
    ...over,
  };
}
