#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { visible } from "../io/visible.js";
import { VERSION } from "../version.js";
import { usageLine } from "./output.js";

/** Exit codes are a contract: 0 pass, 1 findings at or above --fail-on, 2 amigate could not do its job. */
export const EXIT_PASS = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

// A flag mistake is one line on stderr and exit 2; the help is for --help (commands inherit this).
const program = new Command()
  .name("amigate")
  .description("Check, clean and share machine images against the AWS Marketplace AMI policies")
  .version(VERSION)
  .configureOutput({ outputError: (message, write) => write(`amigate: ${usageLine(message)}\n`) })
  .exitOverride();

/**
 * A reader that stops reading (`amigate packages … | head -3`) closes the pipe: the rest of the
 * output has nowhere to go, and that is no error. Further writes are dropped and the command ends
 * with its own exit code; any other stdout failure is one line and exit 2.
 */
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED") return;
  process.stderr.write(`amigate: cannot write to stdout: ${visible(e.message)}\n`);
  process.exit(EXIT_ERROR);
});

/**
 * Commands by name, loaded on demand: `amigate scan` should not pay for the server's modules.
 * Help and unknown commands load them all.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  scan: async () => (await import("./scan.js")).registerScan,
  policy: async () => (await import("./policy.js")).registerPolicy,
  inspect: async () => (await import("./inspect.js")).registerInspect,
  packages: async () => (await import("./packages.js")).registerPackages,
  db: async () => (await import("./db.js")).registerDb,
  fix: async () => (await import("./fix.js")).registerFix,
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

try {
  if (process.argv.length <= 2) {
    process.stderr.write("amigate: no command given (amigate --help lists them)\n");
    process.exit(EXIT_ERROR);
  }
  const requested = process.argv[2] ?? "";
  const names =
    Object.hasOwn(COMMANDS, requested) && !WHOLE_PROGRAM.has(requested)
      ? [requested]
      : requested === "--version" || requested === "-V"
        ? []
        : Object.keys(COMMANDS);
  for (const name of names) (await COMMANDS[name]!())(program);
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version exit 0; usage errors are "could not do its job".
    process.exit(e.exitCode === 0 ? 0 : EXIT_ERROR);
  }
  // Messages may quote image bytes: never a raw control character on the terminal.
  process.stderr.write(`amigate: ${visible(e instanceof Error ? e.message : String(e))}\n`);
  process.exit(EXIT_ERROR);
}
