import type { FixOperation } from "../operation.js";
import { cleanFile } from "./files.js";

const operation: FixOperation = {
  id: "machine-id",
  heading: "Empty /etc/machine-id (kept, so systemd makes a new one at first boot)",
  description:
    "Truncates /etc/machine-id and /var/lib/dbus/machine-id. The file stays: an empty machine-id tells systemd this is a first boot, a missing one can leave /etc read-only systems without an id.",
  defaultOn: true,
  appliesTo: "linux",
  order: 500,
  async plan(ctx) {
    for (const p of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
      const path = await ctx.canonical(p);
      if (!path) continue;
      const st = await ctx.lstat(path);
      // dbus's copy is usually a link to /etc/machine-id: leave the link.
      if (st?.type === "symlink") continue;
      await cleanFile(ctx, path, "truncate", "machine identity shared by every instance");
    }
  },
};
export default operation;
