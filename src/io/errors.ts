import { visible } from "./visible.js";

/**
 * Errors are values with a place. Readers throw one of these; the scan turns them into
 * report entries ("unknowns") and goes on with what it can read.
 */

/** A file-level error inside an image, modelled on the POSIX codes users already know. */
export type FsErrorCode =
  | "ENOENT" // no such path in the image
  | "ENOTDIR" // a path component is not a directory
  | "EISDIR" // a file operation on a directory
  | "ELOOP" // too many symbolic links while resolving a path
  | "EFBIG" // the file is larger than the caller's bound
  | "EINVAL" // not a symlink (readlink) or a malformed path
  | "EACCES" // the host refused to read it (directory targets)
  | "ENOKEY" // encrypted in the image (fscrypt): unreadable without its key
  | "ENOTSUP" // kept where or how amigate does not read it (Windows deduplication, WIMBoot)
  | "EIO"; // the bytes could not be read

export class FsError extends Error {
  override readonly name = "FsError";
  constructor(
    readonly code: FsErrorCode,
    /** Path inside the image, always absolute ("/etc/shadow"). */
    readonly path: string,
    detail?: string,
  ) {
    // Paths and details quote image bytes: escaped, so a message never carries a control character.
    super(visible(`${code}: ${path}${detail ? ` (${detail})` : ""}`));
  }
}

/**
 * The bytes of an image do not form the structure a reader expected. Names the file (the image
 * or archive), the structure, the byte offset and what was expected, so a user can look.
 */
export class ImageFormatError extends Error {
  override readonly name = "ImageFormatError";
  constructor(
    /** The image file or archive, as the user named it. */
    readonly file: string,
    /** The structure being read, e.g. "tar header", "ext4 superblock", "qcow2 L1 table". */
    readonly structure: string,
    /** Byte offset in `file` where the structure starts or the problem was seen (-1 if unknown). */
    readonly offset: number,
    readonly expected: string,
  ) {
    super(visible(`${file}: ${structure}${offset >= 0 ? ` at offset ${offset}` : ""}: ${expected}`));
  }
}

/** The user's target cannot be opened at all (missing, unsupported, unreadable). Exit code 2. */
export class TargetError extends Error {
  override readonly name: string = "TargetError";
  constructor(
    readonly target: string,
    readonly reason: string,
  ) {
    super(visible(`${target}: ${reason}`));
  }
}

/**
 * A disk image names another file (a VMDK extent, a qcow2 backing or external data file, a VHD or
 * VHDX parent) that was not opened: refused by policy or by the reader. The server refuses such
 * uploads: only self-contained images are accepted there.
 */
export class ExternalReferenceError extends TargetError {
  override readonly name = "ExternalReferenceError";
}

export function isFsError(e: unknown, code?: FsErrorCode): e is FsError {
  return e instanceof FsError && (code === undefined || e.code === code);
}

/** One-line description of any error for reports and the CLI, never a stack trace. */
export function describeError(e: unknown): string {
  if (e instanceof FsError || e instanceof ImageFormatError || e instanceof TargetError) return e.message;
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return visible(code ? `${code}: ${e.message}` : e.message);
  }
  return visible(String(e));
}
