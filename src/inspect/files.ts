import { PSEUDO_FILESYSTEMS } from "../fs/image.js";
import type { Inspector } from "./context.js";
import { FileIndex } from "./file-index.js";

export type { IndexedFile } from "./file-index.js";
export { FileIndex } from "./file-index.js";

const skipped = new Set(PSEUDO_FILESYSTEMS);

export const filesInspector: Inspector<"files"> = {
  name: "files",
  description: "one walk of the whole tree",
  paths: ["/**"],
  async inspect(ctx) {
    const index = FileIndex.builder();
    let truncatedAt: string | undefined;
    const max = ctx.options.maxIndexedEntries;
    for await (const { path, stat } of ctx.image.walk("/", {
      skipDirectory: (p) => skipped.has(p),
      onError: (p, e) => ctx.unknown(p, e),
    })) {
      if (index.count >= max) {
        ctx.note(
          `the image has more than ${max} files and directories: the walk stopped there (at ${path}), so files after it were not checked`,
        );
        truncatedAt = path;
        break;
      }
      index.add(path, stat);
    }
    return index.finish(truncatedAt);
  },
};
