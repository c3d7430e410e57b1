// `npm run build`: the CLI and the server's scan worker as ES module bundles in dist/.
//
// Why a bundle and not tsc's one file per module: node resolves, reads and compiles each module
// on its own, and a scan loads ~190 of ours plus ~90 CommonJS files of its dependencies. That
// start-up was a third of a whole directory scan (0.15 of 0.45 s); bundled it is a few files.
// Lazy `import()`s stay lazy (esbuild splits them into chunks), so `amigate policy` does not load
// the disk readers and `amigate scan` does not load the server.
import { rmSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const repo = path.resolve(import.meta.dirname, "..");
// `--outdir DIR` builds elsewhere (the bundle test lays out an installed package in a temp dir).
const at = process.argv.indexOf("--outdir");
const outdir = at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]) : path.join(repo, "dist");

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: repo,
  entryPoints: {
    amigate: "src/cli/main.ts",
    // Loaded by file URL from src/server/scans.ts ("./scan-worker.js" next to the chunk).
    "scan-worker": "src/server/scan-worker.ts",
    // Loaded by file URL from src/inspect/content-workers.ts: the content pass's second thread.
    "content-worker": "src/inspect/content-worker.ts",
  },
  outdir,
  // Entries and chunks side by side: modules that find files relative to import.meta.url
  // (the worker, ../package.json) see the same layout from every chunk.
  entryNames: "[name]",
  chunkNames: "chunk-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  // A native addon: loaded from node_modules at run time. xmlbuilder2 is the CycloneDX library's
  // optional XML writer, tried in a try/catch when XML is asked for; we write JSON only and never
  // install it.
  external: ["better-sqlite3", "xmlbuilder2"],
  // CommonJS dependencies call require(); in an ES module bundle it has to be made.
  banner: {
    js: 'import { createRequire as __amigateRequire } from "node:module"; const require = __amigateRequire(import.meta.url);',
  },
  logLevel: "warning",
});
