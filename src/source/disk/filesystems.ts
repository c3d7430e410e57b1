import { openExt4 } from "../../fs/ext4/index.js";
import type { FileTree } from "../../fs/filetree.js";
import { openNtfs } from "../../fs/ntfs/index.js";
import type { ByteSource } from "../bytes.js";

/** Opens one filesystem type as a FileTree. */
export type FilesystemOpener = (source: ByteSource) => Promise<FileTree>;

/** Filesystem type (as sniffVolume names it) → reader. */
export type FilesystemReaders = Partial<Record<string, FilesystemOpener>>;

/** The readers that exist in this build, by the type sniffVolume names. */
export function defaultFilesystemReaders(): Promise<FilesystemReaders> {
  return Promise.resolve({ ntfs: openNtfs, ext2: openExt4, ext3: openExt4, ext4: openExt4 });
}
