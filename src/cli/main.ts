#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import { ONE_SHOT_COMMANDS } from "./one-shot-names.js";
import type { CommandTable } from "./program.js";

// The build defines these (scripts/bundle.mjs): the one-shot commands' CommonJS bundle and its sha256.
// Under tsx they are undefined, and esbuild drops the branch the bundle does not take.
declare const AMIGATE_ONE_SHOT_FILE: string | undefined;
declare const AMIGATE_ONE_SHOT_SHA256: string | undefined;
type OneShot = typeof import("./one-shot.js");
let oneShotModules: Promise<OneShot> | undefined;

/**
 * The commands that read one image and exit (one-shot.ts), with their own copy of the program. Built,
 * they run from one CommonJS file with V8's code cache (code-cache.ts). Only runs that get to their
 * verdict (exit 0 or 1) make it (the first leaves a mark, the second the cache), so that it holds
 * what a scan compiles, not only `--help`'s code.
 */
async function loadOneShot(): Promise<OneShot> {
  if (typeof AMIGATE_ONE_SHOT_FILE === "undefined" || typeof AMIGATE_ONE_SHOT_SHA256 === "undefined")
    return import("./one-shot.js");
  const { codeCacheDir, requireWithCodeCache } = await import("./code-cache.js");
  let modules: OneShot | undefined;
  const loaded = requireWithCodeCache(fileURLToPath(new URL(AMIGATE_ONE_SHOT_FILE, import.meta.url)), {
    dir: codeCacheDir(),
    sourceHash: AMIGATE_ONE_SHOT_SHA256,
    makeOnExit: (code) => (modules?.reachedVerdict() ?? false) && (code === 0 || code === 1),
    beforeMake: () => modules?.undoHeapGrowthLimit(),
  });
  modules = loaded.exports as OneShot;
  return modules;
}
const oneShot = () => (oneShotModules ??= loadOneShot());

/**
 * Commands by name, loaded on demand: `amigate scan` should not pay for the server's modules.
 * Help and unknown commands load them all, in this order.
 */
const COMMANDS: CommandTable = {
  scan: async () => (await oneShot()).ONE_SHOT_TABLE.scan(),
  policy: async () => (await import("./policy.js")).registerPolicy,
  inspect: async () => (await oneShot()).ONE_SHOT_TABLE.inspect(),
  packages: async () => (await oneShot()).ONE_SHOT_TABLE.packages(),
  db: async () => (await import("./db.js")).registerDb,
  fix: async () => (await oneShot()).ONE_SHOT_TABLE.fix(),
  serve: async () => (await import("./serve.js")).registerServe,
  accounts: async () => (await import("./accounts.js")).registerAccounts,
  "allowed-images": async () => (await import("./allowed-images.js")).registerAllowedImages,
  migrate: async () => (await import("./migrate.js")).registerMigrate,
  worker: async () => (await import("./worker.js")).registerWorker,
  export: async () => (await import("./export.js")).registerExport,
  import: async () => (await import("./import.js")).registerImport,
  push: async () => (await import("./push.js")).registerPush,
  pull: async () => (await import("./pull.js")).registerPull,
  report: async () => (await import("./report.js")).registerReport,
  listing: async () => (await import("./listing.js")).registerListing,
  attest: async () => (await import("./attest.js")).registerAttest,
  submission: async () => (await import("./submission.js")).registerSubmission,
  completion: async () => (await import("./completion.js")).registerCompletion,
  reference: async () => (await import("./reference.js")).registerReference,
};

/** Commands about the whole command line: they need every command registered. */
const WHOLE_PROGRAM = new Set(["completion", "reference"]);

if (process.argv.length <= 2) {
  process.stderr.write("amigate: no command given (amigate --help lists them)\n");
  process.exit(2);
}
// A compressed archive's decompressor can run on another core while the scan's modules load.
if (process.argv[2] === "scan")
  await (await import("./early-start.js")).startScanEarly(process.argv.slice(3));
// A one-shot command loads nothing but its bundle (its own program and commander), which V8 can
// take from its code cache; everything else loads the program here.
if (ONE_SHOT_COMMANDS.includes(process.argv[2]!)) await (await oneShot()).runOneShot(process.argv);
else await (await import("./program.js")).runCli(process.argv, COMMANDS, WHOLE_PROGRAM);
