/**
 * A folder in memory for the extraction baselines (debugfs rdump, tar -x): written to a
 * disk-backed folder, their time is the disk's write-back, not the reading we compare against.
 * /dev/shm when it has room; else a dedicated tmpfs mounted for the bench (needs root).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statfsSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface MemoryFolder {
  /** Where the baseline writes; a fresh folder per run from fresh(). */
  root: string;
  describe: string;
  fresh(): string;
  remove(dir: string): void;
  close(): void;
}

const dedicated = "/run/amigate-bench-tmpfs";

export function memoryFolder(needBytes: number): MemoryFolder {
  const spare = 256 * 1024 * 1024;
  const free = (dir: string) => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
  let root = os.tmpdir();
  let describe = `${root} (not tmpfs: times include write-back)`;
  let mounted = false;
  if (existsSync("/dev/shm") && free("/dev/shm") > needBytes + spare) {
    root = "/dev/shm";
    describe = "/dev/shm";
  } else {
    try {
      mkdirSync(dedicated, { recursive: true });
      const size = Math.ceil((needBytes + spare) / 1024 / 1024);
      execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}m`, "amigate-bench", dedicated]);
      root = dedicated;
      describe = `tmpfs ${dedicated} (${size} MiB)`;
      mounted = true;
    } catch {
      // not root, or no room in memory: the figure says so in `describe`
    }
  }
  return {
    root,
    describe,
    fresh: () => mkdtempSync(path.join(root, "amigate-extract-")),
    remove: (dir) => rmSync(dir, { recursive: true, force: true }),
    close: () => {
      if (mounted) execFileSync("umount", [dedicated]);
    },
  };
}
