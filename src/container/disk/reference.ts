import { constants as C, closeSync, fstatSync, openSync } from "node:fs";
import path from "node:path";
import type { ByteSource } from "../../io/bytes.js";
import { ExternalReferenceError } from "../../io/errors.js";
import { fdByteSource } from "../../io/file.js";
import { visible } from "../../io/visible.js";

/**
 * What a disk image may do with references to other files (VMDK extents; qcow2 backing files and
 * VHD/VHDX parents are refused by their readers whatever this says):
 * - "beside": only regular files inside the referring file's own directory (the CLI's default);
 * - "none": no reference at all, the image must be self-contained (the server: every blob of
 *   every tenant sits in one folder, so "beside" would reach another tenant's upload).
 */
export type ReferencePolicy = "beside" | "none";

/** /proc/self/fd/N/name opens `name` relative to the directory open as N (openat(2) for node). */
const FD_DIR = "/proc/self/fd";

/**
 * Opens the file that `referrer` names by `reference` (`what` says which reference, e.g. "VMDK
 * extent 2"). Refused unless it is a relative path of plain components inside the referrer's
 * directory, reached without following a symlink, and a regular file — never a FIFO (which would
 * block the scan), a device or a directory. A refusal names the reference and the rule it broke
 * and says nothing about the file itself (not whether it exists, not its size or type), so an image
 * cannot probe the machine that scans it.
 */
export function openReferencedFile(
  referrer: string,
  reference: string,
  what: string,
  policy: ReferencePolicy,
): ByteSource {
  const named = `${what} "${visible(reference)}"`;
  const refuse = (why: string): never => {
    throw new ExternalReferenceError(referrer, `${named} refused: ${why}`);
  };
  if (policy === "none")
    refuse("only self-contained images are accepted here (a file that names another file)");
  if (reference === "" || reference.includes("\0")) refuse("not a file name");
  if (path.isAbsolute(reference) || reference.startsWith("\\"))
    refuse("an absolute path; only files beside the image are opened");
  const parts = reference.split("/");
  if (parts.some((p) => p === "" || p === "." || p === ".."))
    refuse("a path that is not plainly inside the image's folder ('..', '.' or an empty component)");
  let dirFd: number;
  try {
    dirFd = openSync(path.dirname(path.resolve(referrer)), C.O_RDONLY | C.O_DIRECTORY);
  } catch {
    return refuse("the image's folder cannot be opened");
  }
  let fd = -1;
  try {
    for (const part of parts.slice(0, -1)) {
      const child = tryOpen(`${FD_DIR}/${dirFd}/${part}`, C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
      if (child === undefined) refuse("not a regular file inside the image's folder");
      closeSync(dirFd);
      dirFd = child!;
    }
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is then refused by its type.
    const opened = tryOpen(
      `${FD_DIR}/${dirFd}/${parts[parts.length - 1]}`,
      C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK,
    );
    if (opened === undefined) refuse("not a regular file inside the image's folder");
    fd = opened!;
    const st = fstatSync(fd);
    if (!st.isFile()) refuse("not a regular file inside the image's folder");
    const source = fdByteSource(fd, `${referrer} ${what}`, st.size);
    fd = -1;
    return source;
  } finally {
    if (fd >= 0) closeSync(fd);
    closeSync(dirFd);
  }
}

function tryOpen(at: string, flags: number): number | undefined {
  try {
    return openSync(at, flags);
  } catch {
    // Every failure reads the same to the image (missing, a symlink, no permission): no oracle.
    return undefined;
  }
}
