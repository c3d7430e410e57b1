import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import os from "node:os";
import {
  type Compression,
  type DecompressionToFile,
  decompressToFile,
  detectCompression,
  type InflateBound,
  inflateBoundFromEnv,
  nativeDecompressor,
} from "./decompress.js";
import { SpillFile } from "./spill.js";

/**
 * A compressed archive's decompression, started before anything asks for it: the CLI starts it
 * before the scan's modules load, so the program runs on the other core while this one compiles
 * (the Debian rootfs's .tar.zst waited ~0.1 s for zstd otherwise). TarTree.open takes it over for
 * the same file; whoever started it releases it, which stops the program and removes its spill
 * file unless it was taken.
 */
export interface StartedDecompression {
  readonly file: string;
  readonly compression: Exclude<Compression, "none">;
  readonly spill: SpillFile;
  readonly run: DecompressionToFile;
  /** Hands it to its one user: false when it was taken already or released. */
  take(): boolean;
  /** Stops the program and removes the spill file, unless it was taken (then the taker does). */
  release(): Promise<void>;
}

/**
 * Starts decompressing `file` into a spill file when it is a regular file compressed with xz or
 * zstd and the program is installed (gzip is inflated in process, as it is indexed). Undefined
 * otherwise, and on any error: opening the target later says what is wrong with it.
 */
export async function startDecompression(
  file: string,
  options: { tmpDir?: string; inflate?: InflateBound } = {},
): Promise<StartedDecompression | undefined> {
  let compression: Compression;
  try {
    const fd = openSync(file, "r");
    try {
      if (!fstatSync(fd).isFile()) return undefined;
      const head = Buffer.alloc(8);
      compression = detectCompression(head.subarray(0, readSync(fd, head, 0, 8, 0)));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  if (compression === "none" || compression === "gzip") return undefined;
  const program = nativeDecompressor(compression);
  if (!program) return undefined;
  let spill: SpillFile;
  try {
    spill = await SpillFile.create(options.tmpDir ?? os.tmpdir());
  } catch {
    return undefined;
  }
  let run: DecompressionToFile;
  try {
    run = decompressToFile(
      program,
      file,
      compression,
      spill.handle.fd,
      options.inflate ?? inflateBoundFromEnv(),
    );
  } catch {
    await spill.close();
    return undefined;
  }
  let state: "started" | "taken" | "released" = "started";
  return {
    file,
    compression,
    spill,
    run,
    take() {
      if (state !== "started") return false;
      state = "taken";
      return true;
    },
    async release() {
      if (state !== "started") return;
      state = "released";
      run.stop();
      await run.finished.catch(() => undefined);
      await spill.close();
    },
  };
}
