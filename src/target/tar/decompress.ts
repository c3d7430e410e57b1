import { spawn } from "node:child_process";
import {
  accessSync,
  closeSync,
  createReadStream,
  constants as fsConstants,
  fstatSync,
  openSync,
  readFileSync,
} from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip, constants as zc } from "node:zlib";
import { ImageFormatError } from "../../io/errors.js";
import type { Compression } from "./compression.js";

export { type Compression, detectCompression } from "./compression.js";

/**
 * Stops a decompression whose output outgrows its input (a decompression bomb: a few hundred KB
 * of zstd can inflate to terabytes of zeros, minutes of work and disk). Root filesystem archives
 * come out 3–6 times their compressed size; a disk image of zeros inside a tar inflates hundreds
 * of times over, but then only for the stretch of zeros: the ratio is of all bytes out to all
 * compressed bytes read so far, checked once `minBytes` have come out.
 */
export interface InflateBound {
  /** Most bytes out per compressed byte read (gzip cannot exceed ~1032; zstd and xz can go far past). */
  maxRatio: number;
  /** The ratio is not checked before this many bytes have come out. */
  minBytes: number;
}

export const DEFAULT_INFLATE_BOUND: InflateBound = { maxRatio: 1000, minBytes: 1024 ** 3 };

/** ImageFormatError.structure when decompression stops at the InflateBound. */
export const INFLATE_LIMIT = "decompression bound";

/**
 * The bound, from AMIGATE_MAX_INFLATE_RATIO (0: no bound) and AMIGATE_INFLATE_MIN_MIB when set;
 * DEFAULT_INFLATE_BOUND otherwise. Malformed values are ignored.
 */
export function inflateBoundFromEnv(env: NodeJS.ProcessEnv = process.env): InflateBound {
  const num = (v: string | undefined) =>
    v !== undefined && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : undefined;
  const ratio = num(env.AMIGATE_MAX_INFLATE_RATIO);
  const minMib = num(env.AMIGATE_INFLATE_MIN_MIB);
  return {
    maxRatio: ratio === undefined ? DEFAULT_INFLATE_BOUND.maxRatio : ratio || Number.POSITIVE_INFINITY,
    minBytes: minMib === undefined ? DEFAULT_INFLATE_BOUND.minBytes : minMib * 1024 * 1024,
  };
}

/** Decompression stopped at the InflateBound (structure INFLATE_LIMIT, offset: compressed bytes read). */
export class InflateBoundError extends ImageFormatError {
  constructor(
    file: string,
    /** Compressed bytes read when it stopped. */
    readonly consumed: number,
    /** Bytes out by then. */
    readonly produced: number,
    readonly bound: InflateBound,
  ) {
    super(
      file,
      INFLATE_LIMIT,
      consumed,
      `at most ${bound.maxRatio} bytes out per compressed byte past ${bound.minBytes} bytes (a decompression bomb: ${consumed} compressed bytes inflated to more than ${produced} bytes)`,
    );
  }
}

/** Counts bytes in and out of one decompression and says when the bound is passed. */
export class InflateMeter {
  produced = 0;
  constructor(
    private readonly file: string,
    private readonly bound: InflateBound,
    /** Compressed bytes read so far. */
    readonly consumed: () => number,
  ) {}

  /** Counts `n` more bytes out; throws the bound's ImageFormatError once it is passed. */
  add(n: number): void {
    this.produced += n;
    const failure = this.check();
    if (failure) throw failure;
  }

  /** The bound's ImageFormatError when `produced` has passed it. */
  check(produced = this.produced): InflateBoundError | undefined {
    if (produced <= this.bound.minBytes) return undefined;
    // The input only grows: look again (a /proc read for a program) only when the last look fails.
    if (produced <= this.bound.maxRatio * Math.max(this.lastConsumed, 1)) return undefined;
    this.lastConsumed = this.consumed();
    if (produced <= this.bound.maxRatio * Math.max(this.lastConsumed, 1)) return undefined;
    return new InflateBoundError(this.file, this.lastConsumed, produced, this.bound);
  }
  private lastConsumed = 0;
}

const STRUCTURE: Record<Exclude<Compression, "none">, string> = {
  gzip: "gzip stream",
  xz: "xz stream",
  zstd: "zstd stream",
};

/**
 * The decompressed bytes of `file`, as chunks pulled one at a time (so memory stays at a chunk
 * plus the decompressor's window). Corrupt or truncated input ends in ImageFormatError, and so
 * does output past `bound` (structure INFLATE_LIMIT), the decompressor stopped there.
 */
export async function* decompressedChunks(
  file: string,
  compression: Exclude<Compression, "none">,
  bound: InflateBound = inflateBoundFromEnv(),
): AsyncGenerator<Buffer> {
  const native = compression === "gzip" ? undefined : nativeDecompressor(compression);
  if (native) {
    yield* nativeChunks(native, file, STRUCTURE[compression], bound);
    return;
  }
  const input = createReadStream(file, { highWaterMark: 256 * 1024 });
  try {
    yield* decompressStream(input, compression, file, bound);
  } catch (e) {
    // The file itself could not be read: still a typed error naming it and where.
    if (e instanceof ImageFormatError) throw e;
    throw new ImageFormatError(
      file,
      STRUCTURE[compression],
      input.bytesRead,
      `readable data (${describe(e)})`,
    );
  } finally {
    input.destroy();
  }
}

/**
 * The decompressed bytes of a compressed stream that is not a host file (an archive inside an
 * image, read through its FileTree): decoded in this process (zlib, fzstd, the WASM xz decoder),
 * bounded like decompressedChunks. `file` names the stream in errors.
 */
export async function* decompressStream(
  input: AsyncIterable<Buffer>,
  compression: Exclude<Compression, "none">,
  file: string,
  bound: InflateBound = inflateBoundFromEnv(),
): AsyncGenerator<Buffer> {
  let read = 0;
  // The input's own failure (the image could not be read) is thrown as it was, not as corrupt data.
  let inputFailure: { error: unknown } | undefined;
  const counted = (async function* () {
    try {
      for await (const chunk of input) {
        read += chunk.length;
        yield chunk;
      }
    } catch (error) {
      inputFailure = { error };
      throw error;
    }
  })();
  const consumed = () => read;
  const meter = new InflateMeter(file, bound, consumed);
  try {
    yield* decoded(counted, compression, file, consumed, meter);
  } catch (e) {
    throw inputFailure ? inputFailure.error : e;
  }
}

async function* decoded(
  counted: AsyncGenerator<Buffer>,
  compression: Exclude<Compression, "none">,
  file: string,
  consumed: () => number,
  meter: InflateMeter,
): AsyncGenerator<Buffer> {
  if (compression === "zstd") {
    yield* zstdChunks(counted, file, consumed, meter);
    return;
  }
  const source = Readable.from(counted, { objectMode: false });
  try {
    if (compression === "gzip") {
      // 256 KiB out at a time, not zlib's 16 KiB: each chunk is a stream event, an index step and a
      // write to the spill file on this thread (the rootfs's .tar.gz scan 2.45 -> 1.83 s).
      const gunzip = createGunzip({ chunkSize: 256 * 1024 });
      source.on("error", (e) => gunzip.destroy(e));
      source.pipe(gunzip);
      try {
        yield* rethrow(gunzip, file, STRUCTURE.gzip, consumed, meter);
      } finally {
        gunzip.destroy();
      }
      return;
    }
    const xz = await loadXz();
    const web = new xz.XzReadableStream(Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>);
    yield* rethrow(
      Readable.fromWeb(web as unknown as WebReadableStream<Uint8Array>),
      file,
      STRUCTURE.xz,
      consumed,
      meter,
    );
  } finally {
    source.destroy();
  }
}

/** fzstd is loaded on first use: most scans never decode zstd in JavaScript. */
async function loadZstd(): Promise<typeof import("fzstd").Decompress> {
  return (await import("fzstd")).Decompress;
}

/** The WASM xz decoder, loaded on first use (most archives are gzip or zstd, and xz goes to the xz program). */
async function loadXz(): Promise<XzModule> {
  const mod = (await import("xz-decompress")) as unknown as { default?: XzModule } & XzModule;
  return mod.default ?? mod;
}
type XzModule = typeof import("xz-decompress");

/**
 * The zstd and xz programs decompress 5–10× faster than the JS decoders (fzstd, xz-decompress),
 * which stay as the fallback where the programs are missing or AMIGATE_JS_DECOMPRESS=1.
 */
export function nativeDecompressor(compression: Exclude<Compression, "none">): string | undefined {
  if (process.env.AMIGATE_JS_DECOMPRESS === "1") return undefined;
  return programOnPath(compression);
}

/** The path of the program `name` on PATH (executable), looked up once. */
export function programOnPath(name: string): string | undefined {
  const cached = nativeCache.get(name);
  if (cached !== undefined) return cached || undefined;
  const found =
    (process.env.PATH ?? "")
      .split(":")
      .filter(Boolean)
      .map((dir) => path.join(dir, name))
      .find((candidate) => {
        try {
          accessSync(candidate, fsConstants.X_OK);
          return true;
        } catch {
          return false;
        }
      }) ?? "";
  nativeCache.set(name, found);
  return found || undefined;
}
const nativeCache = new Map<string, string>();

/**
 * Where the open file description behind `fd` is (Linux: /proc/self/fdinfo), or undefined where
 * that cannot be read. A program given the fd as its stdin shares that position: it tells how far
 * the program has read without its input passing through this process.
 */
function positionOf(fd: number): (() => number) | undefined {
  const read = () => {
    const m = /^pos:\s+(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "latin1"));
    return m ? Number(m[1]) : undefined;
  };
  try {
    if (read() === undefined) return undefined;
  } catch {
    return undefined;
  }
  let last = 0;
  return () => {
    try {
      last = read() ?? last;
    } catch {
      // The fd is closed once the program has exited: its last position stands.
    }
    return last;
  };
}

/**
 * The decompressor program on `file` (given as its stdin, so the compressed bytes it has read are
 * known: `consumed`), its stdout to `stdout`; stderr kept (bounded) for the error. Where the
 * position of a shared fd cannot be read, this process feeds the file through a pipe and counts.
 */
function runDecompressor(program: string, file: string, stdout: "pipe" | number) {
  const fd = openSync(file, "r");
  const position = positionOf(fd);
  let fed = 0;
  const consumed = position ?? (() => fed);
  let input: ReturnType<typeof createReadStream> | undefined;
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(program, decompressorArgs(program), { stdio: [position ? fd : "pipe", stdout, "pipe"] });
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  if (!position) {
    input = createReadStream(file, { fd, highWaterMark: 256 * 1024 });
    input.on("data", (d) => {
      fed += d.length;
    });
    // A program that stops reading (failed, or killed at the bound) closes the pipe: not an error here.
    child.stdin?.on("error", () => {});
    input.on("error", () => child.stdin?.destroy());
    if (child.stdin) input.pipe(child.stdin);
  }
  const stderr: Buffer[] = [];
  child.stderr?.on("data", (d: Buffer) => {
    if (stderr.length < 16) stderr.push(d);
  });
  const exited = new Promise<number>((resolve) => {
    child.on("error", () => resolve(-1));
    child.on("close", (code) => resolve(code ?? -1));
  });
  const done = exited.then(() => {
    consumed(); // the last position, read while the fd is open
    if (input) input.destroy();
    else closeSync(fd);
  });
  /** Stops the program and its input: at the bound, or when the reader is done early. */
  const stop = () => {
    input?.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const failure = (code: number, structure: string, detail = "") =>
    programFailure(program, stderr, code, file, structure, detail);
  return { child, exited: done.then(() => exited), failure, stop, consumed: () => consumed() };
}

/**
 * The most memory the zstd program may take for a frame's window, in MiB: AMIGATE_ZSTD_MEMORY_MIB,
 * else 2048. zstd's own default, 128 MiB, refuses archives made with --long=28 and above (large
 * images are: `zstd --long=31`); 2048 MiB takes every window the zstd program can write. The
 * window is only allocated as the frame asks, and filled as its output comes.
 */
export function zstdMemoryMiB(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.AMIGATE_ZSTD_MEMORY_MIB?.trim();
  return value && /^\d+$/.test(value) && Number(value) > 0 ? Number(value) : 2048;
}

/** The decompressor program's arguments: to stdout, quiet; zstd with its window bound. */
export function decompressorArgs(program: string): string[] {
  return path.basename(program) === "zstd" ? ["-dcq", `--memory=${zstdMemoryMiB()}MB`] : ["-dcq"];
}

/** The failure a decompressor program's non-zero exit means, in its own last words. */
export function programFailure(
  program: string,
  stderr: readonly Buffer[],
  code: number,
  file: string,
  structure: string,
  detail = "",
): ImageFormatError {
  const said = Buffer.concat(stderr).toString("utf8");
  // zstd's advice ("Use --long=30 or --memory=1024MB") names its flags, not ours.
  const window = /Window size larger than maximum : (\d+) > (\d+)/.exec(said);
  if (window)
    return new ImageFormatError(
      file,
      structure,
      -1,
      `a zstd window within the ${Math.round(Number(window[2]) / 2 ** 20)} MiB allowed (the archive's is ${Math.round(Number(window[1]) / 2 ** 20)} MiB; raise AMIGATE_ZSTD_MEMORY_MIB)${detail}`,
    );
  const last = said.trim().split("\n").pop() ?? "";
  // "zstd: /*stdin*\: truncated input" → "truncated input": the error names the file already.
  const why =
    last
      .replace(/^[\w.-]+: /, "")
      .replace(/^(\/\*stdin\*\\ ?: |\(stdin\): )/, "")
      .trim() || `exit ${code}`;
  // The program does not say where in the compressed file it failed; -1 marks "unknown".
  return new ImageFormatError(
    file,
    structure,
    -1,
    `valid compressed data (${path.basename(program)}: ${why}${detail})`,
  );
}

/** How often the size of a decompressor's output file is looked at against the bound. */
const BOUND_POLL_MS = 25;

/** A decompressor program writing into a file, as started by decompressToFile. */
export interface DecompressionToFile {
  /**
   * Settles when the program has exited: to its failure (corrupt or truncated input, or output
   * past the bound, when it was killed), or undefined. What it wrote before stays in the file.
   */
  finished: Promise<ImageFormatError | undefined>;
  /** Kills the program (its output is no longer wanted); `finished` then settles. */
  stop(): void;
}

/**
 * Starts `program` (from nativeDecompressor) decompressing `file` straight into `outFd`, without
 * its bytes passing through this process: the caller may read the file while it grows
 * (growingFileSource), so decompression runs on another core beside the reading.
 */
export function decompressToFile(
  program: string,
  file: string,
  compression: Exclude<Compression, "none">,
  outFd: number,
  bound: InflateBound = inflateBoundFromEnv(),
): DecompressionToFile {
  const { exited, failure, stop, consumed } = runDecompressor(program, file, outFd);
  const meter = new InflateMeter(file, bound, consumed);
  let stopped: InflateBoundError | undefined;
  // The output goes straight to the file: its size is looked at while the program runs.
  const poll = setInterval(() => {
    let size: number;
    try {
      size = fstatSync(outFd).size;
    } catch {
      return;
    }
    stopped ??= meter.check(size);
    if (stopped) stop();
  }, BOUND_POLL_MS);
  const finished = exited.then(
    (code) => {
      clearInterval(poll);
      if (stopped) return stopped;
      return code === 0 ? undefined : failure(code, STRUCTURE[compression]);
    },
    (e: unknown) => {
      clearInterval(poll);
      throw e;
    },
  );
  return { finished, stop };
}

async function* nativeChunks(
  program: string,
  file: string,
  structure: string,
  bound: InflateBound,
): AsyncGenerator<Buffer> {
  const { child, exited, failure, stop, consumed } = runDecompressor(program, file, "pipe");
  const meter = new InflateMeter(file, bound, consumed);
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      meter.add(chunk.length);
      yield chunk;
    }
    const code = await exited;
    if (code !== 0) throw failure(code, structure, `; ${meter.produced} bytes decompressed`);
  } finally {
    stop();
  }
}

async function* rethrow(
  stream: AsyncIterable<Uint8Array>,
  file: string,
  structure: string,
  offset: () => number,
  meter: InflateMeter,
) {
  try {
    for await (const chunk of stream) {
      meter.add(chunk.length);
      yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    }
  } catch (e) {
    if (e instanceof ImageFormatError) throw e;
    throw new ImageFormatError(file, structure, offset(), `valid compressed data (${describe(e)})`);
  }
}

/**
 * Input is pushed to fzstd in slices this small: one push decodes all it is given at once, and a
 * run-length block of 4 bytes is 128 KiB out, so a slice can hold at most ~32 MiB of output.
 */
const ZSTD_PUSH = 1024;

async function* zstdChunks(
  input: AsyncIterable<Buffer>,
  file: string,
  offset: () => number,
  meter: InflateMeter,
) {
  let out: Buffer[] = [];
  const ZstdDecompress = await loadZstd();
  // fzstd may hand out views of its window; copy so a later block cannot overwrite them.
  const decoder = new ZstdDecompress((data) => {
    if (data.length === 0) return;
    meter.add(data.length);
    out.push(Buffer.from(data));
  });
  const push = (chunk: Uint8Array, final: boolean) => {
    try {
      decoder.push(chunk, final);
    } catch (e) {
      if (e instanceof ImageFormatError) throw e;
      throw new ImageFormatError(file, STRUCTURE.zstd, offset(), `valid compressed data (${describe(e)})`);
    }
  };
  try {
    for await (const chunk of input) {
      for (let at = 0; at < chunk.length; at += ZSTD_PUSH) {
        push(chunk.subarray(at, at + ZSTD_PUSH), false);
        const ready = out;
        out = [];
        yield* ready;
      }
    }
  } catch (e) {
    if (e instanceof ImageFormatError) throw e;
    throw new ImageFormatError(file, STRUCTURE.zstd, offset(), `readable data (${describe(e)})`);
  }
  push(new Uint8Array(0), true);
  yield* out;
}

/**
 * Decompresses the start of a stream (a probe's head bytes) as far as it goes, up to `limit`
 * output bytes; truncation is expected and not an error. Undefined when the data is not valid.
 */
export async function decompressHead(
  head: Buffer,
  compression: Compression,
  limit = 64 * 1024,
): Promise<Buffer | undefined> {
  try {
    if (compression === "none") return head.subarray(0, limit);
    if (compression === "gzip") return await gunzipHead(head, limit);
    if (compression === "zstd") {
      const parts: Buffer[] = [];
      let total = 0;
      const decoder = new (await loadZstd())((d) => {
        if (total < limit) parts.push(Buffer.from(d));
        total += d.length;
      });
      decoder.push(head, false);
      return Buffer.concat(parts).subarray(0, limit);
    }
    const parts: Buffer[] = [];
    let total = 0;
    const source = Readable.toWeb(Readable.from([head])) as unknown as ReadableStream<Uint8Array>;
    try {
      for await (const chunk of Readable.fromWeb(
        new (await loadXz()).XzReadableStream(source) as unknown as WebReadableStream<Uint8Array>,
      )) {
        parts.push(Buffer.from(chunk as Uint8Array));
        total += (chunk as Uint8Array).length;
        if (total >= limit) break;
      }
    } catch {
      // A truncated head ends the xz stream early; keep what came out.
    }
    return Buffer.concat(parts).subarray(0, limit);
  } catch {
    return undefined;
  }
}

function describe(e: unknown): string {
  if (e instanceof Error)
    return (e as NodeJS.ErrnoException).code
      ? `${(e as NodeJS.ErrnoException).code}: ${e.message}`
      : e.message;
  return String(e);
}

/**
 * The first `limit` bytes a gzip head inflates to. Streaming, because gunzipSync's
 * maxOutputLength throws (instead of stopping) when a well-compressed head inflates past it.
 */
function gunzipHead(head: Buffer, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let total = 0;
    let done = false;
    const finish = (value: Buffer | undefined) => {
      if (done) return;
      done = true;
      gunzip.destroy();
      resolve(value);
    };
    const gunzip = createGunzip({ finishFlush: zc.Z_SYNC_FLUSH });
    gunzip.on("data", (d: Buffer) => {
      parts.push(d);
      total += d.length;
      if (total >= limit) finish(Buffer.concat(parts).subarray(0, limit));
    });
    gunzip.on("end", () => finish(Buffer.concat(parts).subarray(0, limit)));
    gunzip.on("error", () => finish(total > 0 ? Buffer.concat(parts).subarray(0, limit) : undefined));
    gunzip.end(head);
  });
}
