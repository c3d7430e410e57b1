/**
 * What "read everything" means for the fuzzer: walk a file tree, stat every entry, read every
 * symlink and every file (bounded, as a scan reads), going on past typed errors exactly as a scan
 * does. Any other error is rethrown: that is what the fuzzer looks for.
 */

import type { FileTree } from "../src/fs/filetree.js";
import { Image } from "../src/fs/image.js";
import type { HostRuns } from "../src/io/bytes.js";
import { FsError, ImageFormatError, TargetError } from "../src/io/errors.js";
import { readHostRuns } from "../src/io/host-read.js";

/** Errors a reader may throw on hostile input; anything else is a bug. */
export function isTypedError(e: unknown): boolean {
  return e instanceof ImageFormatError || e instanceof FsError || e instanceof TargetError;
}

function tolerate(e: unknown): void {
  if (!isTypedError(e)) throw e;
}

const MAX_ENTRIES = 200_000;
const MAX_FILE_READ = 4 * 1024 * 1024;
const STREAM_READ = 1024 * 1024;

export interface WalkCount {
  entries: number;
  bytes: number;
  /** Typed errors tolerated on the way (each a path the scan would list among its unknowns). */
  errors: number;
  /** Every path walked. */
  paths: string[];
}

/**
 * Where bytes are mapped for a content thread (FileTree.hostExtents, ByteSource.hostMap), the bytes
 * there must be the bytes the reader gave: a thread reading anything else would judge other bytes
 * than the scan reads. A mismatch is thrown as a plain Error, which the fuzzer counts as a failure.
 */
export function sameOnHost(mapped: HostRuns | undefined, read: Buffer, what: string): void {
  if (!mapped) return;
  const onHost = Buffer.alloc(read.length);
  try {
    // Compressed units too: the thread inflates them itself and must get the reader's bytes.
    readHostRuns(mapped.fd, mapped.runs, 0, onHost, what, mapped.packed);
  } catch (err) {
    tolerate(err);
    return;
  }
  if (!onHost.equals(read))
    throw new Error(
      `${what}: its host runs hold other bytes than the reader gave (${mapped.runs.join(",")})`,
    );
}

/** Walks and reads the whole tree; returns what was seen. */
export async function readWholeTree(tree: FileTree): Promise<WalkCount> {
  const image = new Image(tree);
  const count: WalkCount = { entries: 0, bytes: 0, errors: 0, paths: [] };
  const noted = (err: unknown) => {
    tolerate(err);
    count.errors++;
  };
  try {
    for await (const e of image.walk("/", { onError: (_p, err) => noted(err) })) {
      if (++count.entries > MAX_ENTRIES) break;
      count.paths.push(e.path);
      try {
        if (e.stat.type === "symlink") await tree.readlink(e.path);
        if (e.stat.type !== "file") continue;
        try {
          const bytes = await tree.readFile(e.path, { maxBytes: MAX_FILE_READ });
          count.bytes += bytes.length;
          sameOnHost(await tree.hostExtents?.(e.path, e.stat.ino), bytes, e.path);
        } catch (err) {
          if (!(err instanceof FsError && err.code === "EFBIG")) throw err;
          for await (const chunk of tree.createReadStream(e.path, { start: 0, end: STREAM_READ }))
            count.bytes += (chunk as Buffer).length;
        }
      } catch (err) {
        noted(err);
      }
    }
    // Lookups by path go through the same metadata a second way (resolution, case folding).
    for (const p of ["/etc/os-release", "/etc/passwd", "/Windows/System32/config/SAM", "/a/../b"])
      await image.statIfExists(p).catch(tolerate);
  } finally {
    await tree.close().catch(tolerate);
  }
  return count;
}
