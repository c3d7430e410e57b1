import type { FixOperation } from "../operation.js";
import { cleanFile, listTree } from "./files.js";

/** Rotated and compressed logs: the live file is kept (truncated), old generations go. */
const ROTATED = /(\.\d+|\.gz|\.xz|\.bz2|\.zst|\.old|-\d{8})$/;

const operation: FixOperation = {
  id: "logs",
  heading: "Truncate logs in /var/log (files kept), remove rotated logs and journals",
  description:
    "Truncates every regular file under /var/log (daemons keep their open files and permissions), removes rotated or compressed generations and systemd journal files. wtmp, btmp and lastlog are truncated too.",
  defaultOn: true,
  appliesTo: "linux",
  order: 600,
  async plan(ctx) {
    const dir = await ctx.canonical("/var/log");
    if (!dir) return;
    for (const e of await listTree(ctx, dir)) {
      if (e.type === "directory") continue;
      const name = e.path.slice(e.path.lastIndexOf("/") + 1);
      if (e.type === "symlink") continue; // links in /var/log point at live logs elsewhere; not ours to follow
      if (ROTATED.test(name) || name.endsWith(".journal") || name.endsWith(".journal~"))
        await cleanFile(ctx, e.path, "remove", "old log generation");
      else await cleanFile(ctx, e.path, "truncate", "log of the build instance");
    }
  },
};
export default operation;
