import type { FileType } from "../fs/filetree.js";
import { PSEUDO_FILESYSTEMS } from "../fs/image.js";
import type { Inspector } from "./context.js";

export interface IndexedFile {
  path: string;
  type: FileType;
  size: number;
  mode: number;
  uid: number;
  gid: number;
}

/** Every entry of the image from one walk (pseudo filesystems left out), shared by all inspectors. */
export interface FileIndex {
  entries: IndexedFile[];
  byPath: Map<string, IndexedFile>;
  /** Where the walk stopped at the entry bound (files from there on were not indexed). */
  truncatedAt?: string;
}

const skipped = new Set(PSEUDO_FILESYSTEMS);

export const filesInspector: Inspector<"files"> = {
  name: "files",
  description: "one walk of the whole tree",
  paths: ["/**"],
  async inspect(ctx) {
    const entries: IndexedFile[] = [];
    let truncatedAt: string | undefined;
    const max = ctx.options.maxIndexedEntries;
    for await (const { path, stat } of ctx.image.walk("/", {
      skipDirectory: (p) => skipped.has(p),
      onError: (p, e) => ctx.unknown(p, e),
    })) {
      if (entries.length >= max) {
        ctx.note(
          `the image has more than ${max} files and directories: the walk stopped there (at ${path}), so files after it were not checked`,
        );
        truncatedAt = path;
        break;
      }
      entries.push({ path, type: stat.type, size: stat.size, mode: stat.mode, uid: stat.uid, gid: stat.gid });
    }
    return {
      entries,
      byPath: new Map(entries.map((e) => [e.path, e])),
      ...(truncatedAt !== undefined ? { truncatedAt } : {}),
    };
  },
};
