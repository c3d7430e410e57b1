import { spawn } from "node:child_process";
import { accessSync, createReadStream, constants as fsConstants } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip, constants as zc } from "node:zlib";
import { ImageFormatError } from "../../fs/errors.js";

export type Compression = "none" | "gzip" | "xz" | "zstd";

/** Told from magic bytes only (RFC 1952 §2.3.1, xz file format §2.1.1.1, RFC 8878 §3.1.1). */
export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])))
    return "xz";
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return "zstd";
  return "none";
}

const STRUCTURE: Record<Exclude<Compression, "none">, string> = {
  gzip: "gzip stream",
  xz: "xz stream",
  zstd: "zstd stream",
};

/**
 * The decompressed bytes of `file`, as chunks pulled one at a time (so memory stays at a chunk
 * plus the decompressor's window). Corrupt or truncated input ends in ImageFormatError.
 */
export async function* decompressedChunks(
  file: string,
  compression: Exclude<Compression, "none">,
): AsyncGenerator<Buffer> {
  const native = compression === "gzip" ? undefined : nativeDecompressor(compression);
  if (native) {
    yield* nativeChunks(native, file, STRUCTURE[compression]);
    return;
  }
  const input = createReadStream(file, { highWaterMark: 256 * 1024 });
  const consumed = () => input.bytesRead;
  try {
    if (compression === "gzip") {
      const gunzip = createGunzip();
      input.on("error", (e) => gunzip.destroy(e));
      input.pipe(gunzip);
      yield* rethrow(gunzip, file, STRUCTURE.gzip, () => gunzip.bytesWritten);
    } else if (compression === "xz") {
      const xz = await loadXz();
      const web = new xz.XzReadableStream(Readable.toWeb(input) as unknown as ReadableStream<Uint8Array>);
      yield* rethrow(
        Readable.fromWeb(web as unknown as WebReadableStream<Uint8Array>),
        file,
        STRUCTURE.xz,
        consumed,
      );
    } else {
      yield* zstdChunks(input, file, consumed);
    }
  } finally {
    input.destroy();
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
  const cached = nativeCache.get(compression);
  if (cached !== undefined) return cached || undefined;
  const found =
    (process.env.PATH ?? "")
      .split(":")
      .filter(Boolean)
      .map((dir) => path.join(dir, compression))
      .find((candidate) => {
        try {
          accessSync(candidate, fsConstants.X_OK);
          return true;
        } catch {
          return false;
        }
      }) ?? "";
  nativeCache.set(compression, found);
  return found || undefined;
}
const nativeCache = new Map<string, string>();

/** The decompressor program on `file`, its stdout to `stdout`; stderr kept (bounded) for the error. */
function runDecompressor(program: string, file: string, stdout: "pipe" | number) {
  const child = spawn(program, ["-dcq", "--", file], { stdio: ["ignore", stdout, "pipe"] });
  const stderr: Buffer[] = [];
  child.stderr?.on("data", (d: Buffer) => {
    if (stderr.length < 16) stderr.push(d);
  });
  const exited = new Promise<number>((resolve) => {
    child.on("error", () => resolve(-1));
    child.on("close", (code) => resolve(code ?? -1));
  });
  /** The failure a non-zero exit means, in the program's own last words. */
  const failure = (code: number, structure: string, detail = "") => {
    const last = Buffer.concat(stderr).toString("utf8").trim().split("\n").pop() ?? "";
    // "zstd: /path/to/file: truncated input" → "truncated input": the error names both already.
    const why =
      last
        .replace(/^[\w.-]+: /, "")
        .replaceAll(`${file} : `, "")
        .replaceAll(`${file}: `, "") || `exit ${code}`;
    // The program does not say where in the compressed file it failed; -1 marks "unknown".
    return new ImageFormatError(
      file,
      structure,
      -1,
      `valid compressed data (${path.basename(program)}: ${why}${detail})`,
    );
  };
  return { child, exited, failure };
}

/**
 * Decompresses `file` with `program` (from nativeDecompressor) straight into `outFd`, without
 * its bytes passing through this process. Resolves to the failure when the program fails
 * (corrupt or truncated input): what it wrote before failing stays in the file.
 */
export async function decompressToFile(
  program: string,
  file: string,
  compression: Exclude<Compression, "none">,
  outFd: number,
): Promise<ImageFormatError | undefined> {
  const { exited, failure } = runDecompressor(program, file, outFd);
  const code = await exited;
  return code === 0 ? undefined : failure(code, STRUCTURE[compression]);
}

async function* nativeChunks(program: string, file: string, structure: string): AsyncGenerator<Buffer> {
  const { child, exited, failure } = runDecompressor(program, file, "pipe");
  let produced = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      produced += chunk.length;
      yield chunk;
    }
    const code = await exited;
    if (code !== 0) throw failure(code, structure, `; ${produced} bytes decompressed`);
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

async function* rethrow(
  stream: AsyncIterable<Uint8Array>,
  file: string,
  structure: string,
  offset: () => number,
) {
  try {
    for await (const chunk of stream) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
  } catch (e) {
    if (e instanceof ImageFormatError) throw e;
    throw new ImageFormatError(file, structure, offset(), `valid compressed data (${describe(e)})`);
  }
}

async function* zstdChunks(input: AsyncIterable<Buffer>, file: string, offset: () => number) {
  let out: Buffer[] = [];
  const ZstdDecompress = await loadZstd();
  // fzstd may hand out views of its window; copy so a later block cannot overwrite them.
  const decoder = new ZstdDecompress((data) => {
    if (data.length > 0) out.push(Buffer.from(data));
  });
  const push = (chunk: Uint8Array, final: boolean) => {
    try {
      decoder.push(chunk, final);
    } catch (e) {
      throw new ImageFormatError(file, STRUCTURE.zstd, offset(), `valid compressed data (${describe(e)})`);
    }
  };
  try {
    for await (const chunk of input) {
      push(chunk, false);
      const ready = out;
      out = [];
      yield* ready;
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
