import { DirectoryCycleError } from "../fs/image.js";
import { describeError, FsError, type FsErrorCode } from "../io/errors.js";
import { MAX_CONFIG_BYTES } from "./text-files.js";

/**
 * Something the image holds that the scan could not read (a directory it could not list, a file
 * whose bytes it could not read): what it holds was judged by nothing, so the scan fails closed on
 * it (coverage, rule scan-incomplete).
 */
export interface Unread {
  path: string;
  /** Why, in a few words. */
  reason: string;
}

const WHY: Partial<Record<FsErrorCode, string>> = {
  EFBIG: `larger than the ${MAX_CONFIG_BYTES / 1048576} MiB read for it`,
  EISDIR: "a directory",
  EINVAL: "not a regular file",
  EACCES: "permission denied",
  ENOKEY: "encrypted (fscrypt) without its key",
};

/** An error in a few words: ours where the code says enough, else the error's own line. */
export function whyUnread(e: unknown): string {
  return (e instanceof FsError && WHY[e.code]) || describeError(e);
}

/**
 * True when an error while reading `path` means the image holds nothing there to read: the path is
 * gone (a live tree changed under the walk: a log rotated, a socket removed) or is a directory
 * already walked by another path. Every other error leaves something unread.
 */
export function nothingUnread(e: unknown): boolean {
  if (e instanceof DirectoryCycleError) return true;
  return e instanceof FsError && (e.code === "ENOENT" || e.code === "ENOTDIR");
}
