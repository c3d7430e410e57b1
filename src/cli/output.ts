import { promises as fsp } from "node:fs";
import path from "node:path";
import { visible } from "../io/visible.js";

export class ReportWriteError extends Error {
  override readonly name = "ReportWriteError";
}

/** Why a file could not be written, in words, once ("ENOENT: ENOENT: no such file…" said it twice). */
export function writeFailure(file: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return `the directory ${path.dirname(file)} does not exist`;
    case "ENOTDIR":
      return `a part of ${path.dirname(file)} is not a directory`;
    case "EISDIR":
      return "it is a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "read-only file system";
    case "ENOSPC":
      return "no space left on the device";
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/** A report to `--output FILE`, or to stdout without it. */
export async function writeReport(text: string, output: string | undefined): Promise<void> {
  if (output === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    await fsp.writeFile(output, text);
  } catch (e) {
    throw new ReportWriteError(visible(`cannot write report to ${output}: ${writeFailure(output, e)}`));
  }
}

/** A commander message as one line: "unknown option '--formt' (Did you mean --format?)". */
export function usageLine(message: string): string {
  return visible(
    message
      .replace(/^error: /, "")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .join(" "),
  );
}
