/**
 * The commands that read one image and exit (one-shot-names.ts). The build bundles this module as one
 * CommonJS file (dist/one-shot.cjs) that main.ts runs with V8's code cache (code-cache.ts): with its
 * own copy of the program (program.ts), so that such a run loads nothing else. Under tsx it loads as
 * it is.
 */
import { registerFix } from "./fix.js";
import { registerInspect } from "./inspect.js";
import { registerPackages } from "./packages.js";
import { type CommandTable, runCli } from "./program.js";
import { registerScan } from "./scan.js";

export { undoHeapGrowthLimit } from "./heap-growth.js";

/** The one-shot commands, for a program that registers them all (help, completion). */
export const ONE_SHOT_TABLE = {
  scan: async () => registerScan,
  fix: async () => registerFix,
  inspect: async () => registerInspect,
  packages: async () => registerPackages,
} satisfies CommandTable;

let verdict = false;

/** Runs one of the one-shot commands as the whole command line `argv`. */
export async function runOneShot(argv: readonly string[]): Promise<void> {
  verdict = await runCli(argv, ONE_SHOT_TABLE);
}

/** Whether the command ran to its verdict: its exit code (0 or 1) is then worth a code cache. */
export const reachedVerdict = (): boolean => verdict;
