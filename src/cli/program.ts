import { Command, CommanderError } from "commander";
import { visible } from "../io/visible.js";
import { VERSION } from "../version.js";
import { usageLine } from "./output.js";

/** Exit codes are a contract: 0 pass, 1 findings at or above --fail-on, 2 amigate could not do its job. */
export const EXIT_PASS = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

/** Commands by name, each loaded on demand and then registered on the program. */
export type CommandTable = Record<string, () => Promise<(program: Command) => void>>;

/**
 * Runs the command line `argv` (node's, with the command at [2]) with the commands of `table`:
 * only the one asked for is loaded, except for help, unknown commands and those of `wholeProgram`,
 * which need them all. True when the command's action returned, so that the exit code is its
 * verdict's; a usage error or failure prints one line and exits 2, `--help` and `--version` exit 0.
 */
export async function runCli(
  argv: readonly string[],
  table: CommandTable,
  wholeProgram: ReadonlySet<string> = new Set(),
): Promise<boolean> {
  // A flag mistake is one line on stderr and exit 2; the help is for --help (commands inherit this).
  const program = new Command()
    .name("amigate")
    .description("Check, clean and share machine images against the AWS Marketplace AMI policies")
    .version(VERSION)
    .configureOutput({ outputError: (message, write) => write(`amigate: ${usageLine(message)}\n`) })
    .exitOverride();

  // A reader that stops reading (`amigate packages … | head -3`) closes the pipe: the rest of the
  // output has nowhere to go, and that is no error. Further writes are dropped and the command ends
  // with its own exit code; any other stdout failure is one line and exit 2.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED") return;
    process.stderr.write(`amigate: cannot write to stdout: ${visible(e.message)}\n`);
    process.exit(EXIT_ERROR);
  });

  try {
    const requested = argv[2] ?? "";
    const names =
      Object.hasOwn(table, requested) && !wholeProgram.has(requested)
        ? [requested]
        : requested === "--version" || requested === "-V"
          ? []
          : Object.keys(table);
    for (const name of names) (await table[name]!())(program);
    await program.parseAsync(argv);
    return true;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; usage errors are "could not do its job".
      process.exit(e.exitCode === 0 ? 0 : EXIT_ERROR);
    }
    // Messages may quote image bytes: never a raw control character on the terminal.
    process.stderr.write(`amigate: ${visible(e instanceof Error ? e.message : String(e))}\n`);
    process.exit(EXIT_ERROR);
  }
}
