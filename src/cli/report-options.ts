import { Option } from "commander";

/**
 * The flags every command that writes a report shares: `-f, --format`, `-o, --output`, and `--json`
 * kept as an alias of `--format json` where a command had it first.
 */
export function formatOption(choices: readonly string[], defaultFormat: string): Option {
  return new Option("-f, --format <format>", "output format").choices(choices).default(defaultFormat);
}

export function outputOption(): Option {
  return new Option("-o, --output <file>", "write to a file instead of stdout");
}

export function jsonAliasOption(): Option {
  return new Option("--json", "the same as --format json").conflicts("format");
}

/** The format asked for: --json means json. */
export function formatOf<F extends string>(flags: { format: F; json?: boolean }): F | "json" {
  return flags.json ? "json" : flags.format;
}
