import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { PassThrough, type Readable, type Writable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import type { Compression } from "../../target/tar/compression.js";
import { decompressorArgs } from "../../target/tar/decompress.js";

// Told from the magic bytes, never the file name, as the scan tells them (a pzstd file too).
export { type Compression, detectCompression } from "../../target/tar/compression.js";

/**
 * zstd and xz go through the zstd/xz programs: the installed npm packages (fzstd, xz-decompress)
 * only decompress, and fix must also compress its output like its input.
 */
function tool(cmd: string, args: string[], input: Readable): Readable {
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
  const out = new PassThrough();
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.on("error", (e) => out.destroy(new Error(`${cmd}: ${e.message} (install ${cmd})`)));
  child.on("close", (code) => {
    if (code !== 0) out.destroy(new Error(`${cmd} exited with ${code}: ${stderr.trim()}`));
  });
  input.on("error", (e) => child.stdin.destroy(e));
  child.stdin.on("error", () => {});
  input.pipe(child.stdin);
  child.stdout.pipe(out);
  return out;
}

export function decompressFile(path: string, compression: Compression): Readable {
  const raw = createReadStream(path);
  switch (compression) {
    case "gzip":
      return raw.pipe(createGunzip());
    case "zstd":
      return tool("zstd", decompressorArgs("zstd"), raw);
    case "xz":
      return tool("xz", ["-d", "-c"], raw);
    default:
      return raw;
  }
}

/** A writable that compresses into `sink`; resolves `done` once everything is flushed. */
export function compressTo(
  sink: Writable,
  compression: Compression,
): { input: Writable; done: Promise<void> } {
  const input = new PassThrough();
  let out: Readable;
  if (compression === "gzip") out = input.pipe(createGzip());
  else if (compression === "zstd") out = tool("zstd", ["-q", "-c", "-T0"], input);
  else if (compression === "xz") out = tool("xz", ["-c", "-T0"], input);
  else out = input;
  const done = new Promise<void>((resolve, reject) => {
    out.on("error", reject);
    sink.on("error", reject);
    sink.on("finish", () => resolve());
  });
  out.pipe(sink);
  return { input, done };
}
