import type { FixOperation } from "../operation.js";
import { cleanFile, listTree } from "./files.js";

/** Downloaded packages and cache databases of apt, dnf/yum and zypper; lists and locks stay. */
const CACHES: ReadonlyArray<{ dir: string; file: RegExp }> = [
  { dir: "/var/cache/apt/archives", file: /\.deb$/ },
  { dir: "/var/cache/apt", file: /^(src)?pkgcache\.bin$/ },
  { dir: "/var/cache/dnf", file: /./ },
  { dir: "/var/cache/yum", file: /./ },
  { dir: "/var/cache/zypp/packages", file: /\.rpm$/ },
];

const operation: FixOperation = {
  id: "package-cache",
  heading: "Remove package manager caches",
  description:
    "Removes downloaded packages (.deb, .rpm) and cache databases of apt, dnf/yum and zypper; package lists and locks stay.",
  defaultOn: true,
  appliesTo: "linux",
  order: 620,
  async plan(ctx) {
    for (const { dir: d, file } of CACHES) {
      const dir = await ctx.canonical(d);
      if (!dir) continue;
      for (const e of await listTree(ctx, dir)) {
        const name = e.path.slice(e.path.lastIndexOf("/") + 1);
        if (e.type === "file" && file.test(name)) await cleanFile(ctx, e.path, "remove", "package cache");
      }
    }
  },
};
export default operation;
