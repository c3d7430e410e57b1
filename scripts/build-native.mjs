// Builds amigate's optional native addon (native/inflate: libdeflate for VMDK grains and qcow2
// clusters) at install time. Never fails the install: without a compiler, libdeflate's headers or
// node-gyp, amigate inflates with node's zlib instead, a little slower. Run by npm's postinstall,
// which gives node-gyp's path (npm_config_node_gyp) and node's headers (npm_config_nodedir).
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "native", "inflate");
const gyp = process.env.npm_config_node_gyp;
const skip = (why) => {
  console.error(`amigate: native inflater not built (${why}); VMDK and qcow2 units inflate with zlib`);
  process.exit(0);
};
if (process.env.AMIGATE_SKIP_NATIVE) skip("AMIGATE_SKIP_NATIVE is set");
if (!existsSync(path.join(dir, "binding.gyp"))) skip("no native/inflate in this package");
// Built already from these sources (N-API: one build serves every Node version): nothing to do.
const built = path.join(dir, "build", "Release", "amigate_inflate.node");
const mtime = (f) => statSync(path.join(dir, f)).mtimeMs;
if (existsSync(built) && statSync(built).mtimeMs >= Math.max(mtime("inflate.c"), mtime("binding.gyp")))
  process.exit(0);
if (!gyp || !existsSync(gyp)) skip("node-gyp not found: run through npm");
const r = spawnSync(process.execPath, [gyp, "rebuild", "--release"], {
  cwd: dir,
  stdio: ["ignore", "ignore", "pipe"],
  encoding: "utf8",
});
if (r.status !== 0) {
  const last = (r.stderr || String(r.error ?? ""))
    .trim()
    .split("\n")
    .filter((l) => /error/i.test(l))[0];
  skip(last ? last.replace(/^gyp ERR! /, "").slice(0, 200) : `node-gyp exited ${r.status}`);
}
