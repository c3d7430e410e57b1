import type { FixOperation } from "../operation.js";
import { cleanFile, listTree } from "./files.js";

const LEASE_DIRS = [
  "/var/lib/dhcp",
  "/var/lib/dhclient",
  "/var/lib/NetworkManager",
  "/var/lib/dhcpcd",
  "/var/lib/systemd/network",
];
const LEASE = /(\.leases?|^dhclient.*\.lease[s6]*|^internal-.*\.lease)$|\.lease$|^lease-/;

const operation: FixOperation = {
  id: "dhcp-leases",
  heading: "Remove DHCP leases",
  description:
    "Removes dhclient, dhcpcd and NetworkManager lease files: the build instance's addresses and lease times.",
  defaultOn: true,
  appliesTo: "linux",
  order: 520,
  async plan(ctx) {
    for (const d of LEASE_DIRS) {
      const dir = await ctx.canonical(d);
      if (!dir) continue;
      for (const e of await listTree(ctx, dir)) {
        const name = e.path.slice(e.path.lastIndexOf("/") + 1);
        if (e.type !== "directory" && LEASE.test(name))
          await cleanFile(ctx, e.path, "remove", "DHCP lease of the build instance");
      }
    }
  },
};
export default operation;
