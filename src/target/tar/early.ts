import type { Stats } from "node:fs";
import os from "node:os";
import { type FileCompression, fileCompression } from "./compression.js";
import {
  type DecompressionToFile,
  decompressToFile,
  type InflateBound,
  inflateBoundFromEnv,
  nativeDecompressor,
} from "./decompress.js";
import { SpillFile } from "./spill.js";

/**
 * A compressed archive's decompressor program, started before the scan's modules have loaded (the
 * CLI starts it from the command line's target). Loading them takes the main thread ~50 ms, and
 * the program then runs on the other core meanwhile; a .tar.zst scan waits for the program, so
 * it ends that much sooner. TarTree.open takes it over when it opens the same file with the same
 * program, spill folder and bound; whatever is not taken is stopped and removed.
 */
export interface EarlyDecompression {
  /** The archive file's identity when the program started. */
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  program: string;
  tmpDir: string;
  bound: InflateBound;
  spill: SpillFile;
  decompression: DecompressionToFile;
}

// On globalThis, not in this module: the CLI's own code and the one-shot bundle each have a copy
// of this module (cli/main.ts), and the one must find what the other started.
const SLOT = Symbol.for("amigate.early-decompression");
type Slot = { [SLOT]?: EarlyDecompression };
const slot = globalThis as Slot;

/**
 * Starts decompressing `file` into a spill file when it is a zstd or xz stream whose program is on
 * PATH (gzip stays in process: tree.ts). Best effort and synchronous: false, with nothing left
 * behind, when the file is anything else or cannot be read; the scan then goes the usual way.
 */
export function startEarlyDecompression(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  told: FileCompression | undefined = fileCompression(file),
): boolean {
  if (slot[SLOT] || !told) return false;
  const { compression, stat: st } = told;
  if (compression !== "zstd" && compression !== "xz") return false;
  const program = nativeDecompressor(compression);
  if (!program) return false;
  const tmpDir = os.tmpdir();
  const bound = inflateBoundFromEnv(env);
  let spill: SpillFile | undefined;
  try {
    spill = SpillFile.create(tmpDir);
    const decompression = decompressToFile(program, file, compression, spill.fd, bound);
    slot[SLOT] = {
      dev: st.dev,
      ino: st.ino,
      size: st.size,
      mtimeMs: st.mtimeMs,
      program,
      tmpDir,
      bound,
      spill,
      decompression,
    };
  } catch {
    spill?.close();
    return false;
  }
  // A scan that ends before opening its target (a bad flag, --help) leaves nothing behind.
  process.once("exit", discardEarlyDecompression);
  return true;
}

/**
 * The early decompression of the archive `archive` (its fstat now) with this program, spill folder
 * and bound, handed over to the caller, who then owns its spill file; undefined when there is none
 * or it was of something else (which is then stopped and removed).
 */
export function takeEarlyDecompression(
  archive: Pick<Stats, "dev" | "ino" | "size" | "mtimeMs">,
  program: string,
  tmpDir: string,
  bound: InflateBound,
): Pick<EarlyDecompression, "spill" | "decompression"> | undefined {
  const early = slot[SLOT];
  if (!early) return undefined;
  delete slot[SLOT];
  process.removeListener("exit", discardEarlyDecompression);
  const same =
    early.dev === archive.dev &&
    early.ino === archive.ino &&
    early.size === archive.size &&
    early.mtimeMs === archive.mtimeMs &&
    early.program === program &&
    early.tmpDir === tmpDir &&
    early.bound.maxRatio === bound.maxRatio &&
    early.bound.minBytes === bound.minBytes;
  if (same) return { spill: early.spill, decompression: early.decompression };
  stop(early);
  return undefined;
}

/** Stops and removes an early decompression nobody took (the target opened was not that archive). */
export function discardEarlyDecompression(): void {
  const early = slot[SLOT];
  if (!early) return;
  delete slot[SLOT];
  process.removeListener("exit", discardEarlyDecompression);
  stop(early);
}

function stop(early: EarlyDecompression): void {
  early.decompression.stop();
  early.spill.close();
}
