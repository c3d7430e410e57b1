/**
 * Reads a bundle's JSON Lines file with bounded memory: one line at a time (at most MAX_LINE
 * bytes), numbered, the file's SHA-256 taken on the way. A line that is not JSON, an empty line or a
 * last line without its newline (a truncated file) is a BundleError naming the file and line.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { BundleError } from "./manifest.js";

/** A scan's facts and report fit easily; anything longer is not a row amigate wrote. */
export const MAX_LINE = 64 * 1024 * 1024;

export interface JsonLine {
  line: number;
  value: unknown;
}

/** Yields each line's parsed value; `done` receives the file's digest and line count at the end. */
export async function* readJsonLines(
  file: string,
  shown: string,
  done: (end: { sha256: string; lines: number }) => void,
): AsyncGenerator<JsonLine> {
  const hash = createHash("sha256");
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 0;
  const parse = (bytes: Buffer): JsonLine => {
    line++;
    if (bytes.length === 0) throw new BundleError(`${shown} line ${line}: empty line`);
    try {
      return { line, value: JSON.parse(bytes.toString("utf8")) };
    } catch (e) {
      throw new BundleError(`${shown} line ${line}: not JSON (${(e as Error).message})`);
    }
  };
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, nl));
      const bytes = Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
      yield parse(bytes);
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > MAX_LINE)
        throw new BundleError(`${shown} line ${line + 1}: longer than ${MAX_LINE} bytes`);
    }
  }
  if (pendingBytes > 0)
    throw new BundleError(`${shown} line ${line + 1}: no newline at its end (the file is truncated)`);
  done({ sha256: hash.digest("hex"), lines: line });
}
