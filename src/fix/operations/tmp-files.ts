import type { FixOperation } from "../operation.js";
import { emptyDirectory } from "./files.js";

const operation: FixOperation = {
  id: "tmp-files",
  heading: "Empty /tmp and /var/tmp",
  description:
    "Removes everything below /tmp and /var/tmp (the directories themselves stay, with their sticky bit).",
  defaultOn: true,
  appliesTo: "linux",
  order: 610,
  async plan(ctx) {
    for (const d of ["/tmp", "/var/tmp"]) {
      const dir = await ctx.canonical(d);
      if (dir && (await ctx.lstat(dir))?.type === "directory")
        await emptyDirectory(ctx, dir, "temporary file of the build");
    }
  },
};
export default operation;
