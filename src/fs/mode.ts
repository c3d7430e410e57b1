import type { FileType } from "./filetree.js";

/** The POSIX file type in st_mode's S_IFMT bits, as ext2/3/4 and XFS store it on disk. */
export function typeOfMode(mode: number): FileType {
  switch (mode & 0o170000) {
    case 0o100000:
      return "file";
    case 0o040000:
      return "directory";
    case 0o120000:
      return "symlink";
    case 0o020000:
      return "char";
    case 0o060000:
      return "block";
    case 0o010000:
      return "fifo";
    case 0o140000:
      return "socket";
    default:
      return "unknown";
  }
}

/** Directory-entry file types (Linux DT_* order as ext4's file_type and XFS's ftype store them). */
export const DIRENT_FILE_TYPES: ReadonlyArray<FileType> = [
  "unknown",
  "file",
  "directory",
  "char",
  "block",
  "fifo",
  "socket",
  "symlink",
];
