import { readSync } from "node:fs";
import { ImageFormatError } from "./errors.js";

/**
 * Reads bytes [from, from + target.length) of a file laid out as `runs` (HostExtents.runs: pairs
 * of host offset, or -1 for zeros, and length) from descriptor `fd` into `target`, synchronously:
 * for a thread that reads many small files and has nothing else to do meanwhile.
 */
export function readHostRuns(
  fd: number,
  runs: readonly number[],
  from: number,
  target: Buffer,
  description: string,
): void {
  let done = 0;
  let fileAt = 0;
  for (let i = 0; i + 1 < runs.length && done < target.length; i += 2) {
    const host = runs[i]!;
    const length = runs[i + 1]!;
    const runEnd = fileAt + length;
    const start = from + done;
    if (start < runEnd) {
      const n = Math.min(runEnd - start, target.length - done);
      if (host === -1) target.fill(0, done, done + n);
      else readFully(fd, target, done, n, host + (start - fileAt), description);
      done += n;
    }
    fileAt = runEnd;
  }
  if (done < target.length)
    throw new ImageFormatError(
      description,
      "file runs",
      from + done,
      `${target.length - done} more bytes of runs`,
    );
}

function readFully(
  fd: number,
  target: Buffer,
  at: number,
  length: number,
  position: number,
  description: string,
): void {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, target, at + done, length - done, position + done);
    if (n === 0)
      throw new ImageFormatError(description, "read range", position + done, "more bytes (file shrank)");
    done += n;
  }
}
