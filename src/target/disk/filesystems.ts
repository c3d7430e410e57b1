import { openExt4 } from "../../fs/ext4/index.js";
import type { FileTree } from "../../fs/filetree.js";
import { openNtfs } from "../../fs/ntfs/index.js";
import { openVfat } from "../../fs/vfat/index.js";
import { openXfs } from "../../fs/xfs/index.js";
import type { ByteSource } from "../../io/bytes.js";

/** Opens one filesystem type as a FileTree. */
export type FilesystemOpener = (source: ByteSource) => Promise<FileTree>;

/** Filesystem type (as sniffVolume names it) → reader. */
export type FilesystemReaders = Partial<Record<string, FilesystemOpener>>;

/** Every filesystem reader of this build, by the type sniffVolume names. */
export function defaultFilesystemReaders(): Promise<FilesystemReaders> {
  return Promise.resolve({
    ext2: openExt4,
    ext3: openExt4,
    ext4: openExt4,
    xfs: openXfs,
    vfat: openVfat,
    ntfs: openNtfs,
  });
}
