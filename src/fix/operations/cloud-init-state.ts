import type { FixOperation } from "../operation.js";
import { emptyDirectory } from "./files.js";

const STATE = "/var/lib/cloud";
/** Kept: boot scripts and seeds are configuration the publisher put there, not instance state. */
const KEEP = new Set(["scripts", "seed"]);

const operation: FixOperation = {
  id: "cloud-init-state",
  heading: "Clear cloud-init instance state in /var/lib/cloud",
  description:
    "Removes /var/lib/cloud's instance state (instance link, instances/, data/, sem/, handlers…) so every launch runs cloud-init's per-instance modules again (what `cloud-init clean` does); scripts/ and seed/ are kept.",
  defaultOn: true,
  appliesTo: "linux",
  order: 510,
  async plan(ctx) {
    const dir = await ctx.canonical(STATE);
    if (!dir || (await ctx.lstat(dir))?.type !== "directory") return;
    for (const e of (await ctx.image.tree.readdir(dir)).sort((a, b) => a.name.localeCompare(b.name))) {
      if (KEEP.has(e.name)) continue;
      const path = `${dir}/${e.name}`;
      if (e.type === "directory") {
        await emptyDirectory(ctx, path, "cloud-init instance state");
        await ctx.remove(path, "cloud-init instance state");
      } else await ctx.remove(path, "cloud-init instance state");
    }
  },
};
export default operation;
