// `npm run build`: the CLI and the server's scan worker as ES module bundles in dist/.
//
// Why a bundle and not tsc's one file per module: node resolves, reads and compiles each module
// on its own, and a scan loads ~190 of ours plus ~90 CommonJS files of its dependencies. That
// start-up was a third of a whole directory scan (0.15 of 0.45 s); bundled it is a few files.
// Lazy `import()`s stay lazy (esbuild splits them into chunks), so `amigate policy` does not load
// the disk readers and `amigate scan` does not load the server.
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const repo = path.resolve(import.meta.dirname, "..");
// `--outdir DIR` builds elsewhere (the bundle test lays out an installed package in a temp dir).
const at = process.argv.indexOf("--outdir");
const outdir = at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]) : path.join(repo, "dist");

rmSync(outdir, { recursive: true, force: true });

// The commands that read one image and exit, as one CommonJS file: main.ts runs it through a
// vm.Script with V8's code cache (src/cli/code-cache.ts), which Node 20 has for scripts only, not
// for ES modules. One file for these four commands only: the whole CLI as one file cost more to
// parse than the cache saved (docs/performance.md, "The code cache").
const ONE_SHOT = "one-shot.cjs";
await build({
  absWorkingDir: repo,
  entryPoints: ["src/cli/one-shot.ts"],
  outfile: path.join(outdir, ONE_SHOT),
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // Node reads the whole file into a string on every start, cached or not: without whitespace and
  // comments it is a third smaller (docs/performance.md, "The code cache"). Names stay for stack
  // traces.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: "linked",
  external: ["better-sqlite3", "xmlbuilder2"],
  // import.meta as an ES module in dist/ would see it: workers and package.json are found beside it.
  define: {
    "import.meta.url": "__amigateModuleUrl",
    "import.meta.dirname": "__dirname",
    "import.meta.resolve": "__amigateResolve",
  },
  banner: {
    js: [
      'var __amigateModuleUrl = require("node:url").pathToFileURL(__filename).href;',
      'var __amigateResolve = (specifier) => require("node:url").pathToFileURL(require.resolve(specifier)).href;',
    ].join(" "),
  },
  logLevel: "warning",
});
const oneShotHash = createHash("sha256")
  .update(readFileSync(path.join(outdir, ONE_SHOT)))
  .digest("hex");

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
  // Where main.ts finds the one-shot commands' bundle, and what the code cache is keyed by.
  define: {
    AMIGATE_ONE_SHOT_FILE: JSON.stringify(`./${ONE_SHOT}`),
    AMIGATE_ONE_SHOT_SHA256: JSON.stringify(oneShotHash),
  },
  logLevel: "warning",
});

// The CLI starts through /bin/sh, which sets what a node program cannot set for itself once running
// and then execs node on the same file. Each line below is a shell command to sh and, to node, a
// string and a comment; node skips the `#!` line. Only the commands that read an image once and
// exit get the settings; the long-running ones (serve, worker) start with node's defaults, which
// hand memory back. What each setting saves: docs/performance.md, "The launcher".
// - GLIBC_TUNABLES: glibc's malloc keeps buffers up to 32 MiB in its heap and does not hand freed
//   memory back below 256 MiB, so a scan's large buffers reuse pages instead of faulting in fresh
//   ones (~11 us each there); and it keeps two arenas, not one per thread that allocates (main,
//   content threads, libuv's pool): each arena held what it had freed, and a 300 k-file scan's peak
//   RSS reached 334 MiB in one run of four. A value the user set, even empty, is kept; musl ignores it.
// - --v8-pool-size=1 on one or two CPUs: node's default four V8 threads (background compiling,
//   GC) compete with the main thread for two cores. Not set when NODE_OPTIONS names a pool size,
//   nor where more CPUs are online (not measured there; node's default stands).
// - --max-semi-space-size=8: the main thread's young generation stops growing at 3 × 8 MiB, not
//   3 × 16 (node's default): at 300 k files the peak RSS fell by 10–18 MiB and the times stayed
//   within noise (30 k, bench disk). Not set when NODE_OPTIONS names a semi-space size.
// - --interrupt-budget=270336 (4 × V8's default): a function runs four times as much bytecode before
//   V8 considers optimizing it. A scan runs a second or so through a large bundle, and TurboFan's
//   background compiles took ~0.7 s of CPU at 30 k files, on the core the content threads need;
//   with this, ~0.4 s, and the scans took 8–14 % less time (docs/performance.md, "Session 25").
//   NODE_OPTIONS cannot carry this flag, so there is nothing of the user's to defer to. (Node 20's
//   V8 defaults to 66 KiB; V8 has had the flag all along, and newer ones default to 132 KiB, where
//   this is twice the default.)
// - NODE_EXTRA_CA_CERTS is dropped: node parses that file, and builds its whole root store, as it
//   starts (~60 ms on a Debian bundle), and these commands make no TLS connection (a test checks
//   the bundle loads neither tls nor https). Other commands keep it: push and pull may need it.
// `node dist/amigate.js …` still works: node reads these lines as JavaScript and runs as before.
const LAUNCHER = [
  "#!/bin/sh",
  `':' //; pool= young= cpus=; case "$1" in scan | fix | inspect | packages) ;; *) exec node "$0" "$@" ;; esac`,
  `':' //; export GLIBC_TUNABLES="\${GLIBC_TUNABLES-glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456:glibc.malloc.arena_max=2}"`,
  `':' //; [ -r /sys/devices/system/cpu/online ] && read -r cpus </sys/devices/system/cpu/online`,
  `':' //; case "$cpus:$NODE_OPTIONS" in *v8-pool-size* | *v8_pool_size*) ;; 0:* | 0-1:*) pool=--v8-pool-size=1 ;; esac`,
  `':' //; case "$NODE_OPTIONS" in *semi-space-size* | *semi_space_size*) ;; *) young=--max-semi-space-size=8 ;; esac`,
  `':' //; unset NODE_EXTRA_CA_CERTS`,
  `':' //; exec node $pool $young --interrupt-budget=270336 "$0" "$@"`,
];
const entry = path.join(outdir, "amigate.js");
const code = readFileSync(entry, "utf8");
const hashbang = "#!/usr/bin/env node\n";
if (!code.startsWith(hashbang))
  throw new Error(`${entry}: expected esbuild's ${JSON.stringify(hashbang)} first`);
writeFileSync(entry, `${LAUNCHER.join("\n")}\n${code.slice(hashbang.length)}`);
// The source map counts generated lines from the file's top: one ";" per line the launcher adds.
const map = JSON.parse(readFileSync(`${entry}.map`, "utf8"));
map.mappings = ";".repeat(LAUNCHER.length - 1) + map.mappings;
writeFileSync(`${entry}.map`, JSON.stringify(map));
