import type { FileTree } from "../../fs/filetree.js";
import { openVfat } from "../../fs/vfat/index.js";
import { openXfs } from "../../fs/xfs/index.js";
import type { ByteSource } from "../bytes.js";

/** Opens one filesystem type as a FileTree. */
export type FilesystemOpener = (source: ByteSource) => Promise<FileTree>;

/** Filesystem type (as sniffVolume names it) → reader. */
export type FilesystemReaders = Partial<Record<string, FilesystemOpener>>;

// The ext4 reader lives in src/fs/ext4/ (another helper's module, exporting openExt4). It is loaded
// by a computed specifier so this file typechecks before that module lands; once merged this can
// become a static import.
const EXT4_MODULES = ["../../fs/ext4/index.js", "../../fs/ext4/ext4.js"];

let loaded: Promise<FilesystemReaders> | undefined;

/** The readers that exist in this build: XFS, vfat, and ext2/3/4 once src/fs/ext4 is present. */
export function defaultFilesystemReaders(): Promise<FilesystemReaders> {
  loaded ??= (async () => {
    const readers: FilesystemReaders = { xfs: openXfs, vfat: openVfat };
    for (const specifier of EXT4_MODULES) {
      try {
        const mod = (await import(specifier)) as { openExt4?: FilesystemOpener };
        if (typeof mod.openExt4 === "function") {
          readers.ext2 = readers.ext3 = readers.ext4 = mod.openExt4;
          break;
        }
      } catch {
        // not built yet
      }
    }
    return readers;
  })();
  return loaded;
}
