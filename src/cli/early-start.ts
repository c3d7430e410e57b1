import { fileCompression } from "../target/tar/compression.js";

/**
 * The options of `amigate scan` that take a value (scan.ts; a test keeps the two the same): the
 * target is the first argument that is neither an option nor such an option's value.
 */
export const SCAN_VALUE_OPTIONS: ReadonlySet<string> = new Set([
  "-f",
  "--format",
  "-o",
  "--output",
  "--fail-on",
  "--severity",
  "--ignore-file",
  "--as-of",
  "--db",
  "--db-max-age",
  "--clamd",
  "--listing",
  "--attestations",
]);

/**
 * The target of `amigate scan ARGS` as commander will read it, or undefined when there is none or
 * the command only asks for help. Short flags may be bundled (-qf json), values attached
 * (-fjson, --format=json), and `--` ends the options.
 */
export function scanTarget(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return args[i + 1];
    if (arg === "-h" || arg === "--help") return undefined;
    if (arg.startsWith("--")) {
      if (!arg.includes("=") && SCAN_VALUE_OPTIONS.has(arg)) i++;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      // -qf json: each letter a flag until one takes a value, which is the rest or the next argument.
      for (let at = 1; at < arg.length; at++) {
        const flag = `-${arg[at]}`;
        if (flag === "-h") return undefined;
        if (SCAN_VALUE_OPTIONS.has(flag)) {
          if (at === arg.length - 1) i++;
          break;
        }
      }
      continue;
    }
    return arg;
  }
  return undefined;
}

/**
 * Work a scan can start before its modules load (~50 ms of the main thread): a .tar.zst or .tar.xz
 * target's decompressor program (target/tar/early.ts), which then runs on another core meanwhile.
 * Best effort: anything unexpected leaves the scan to do it the usual way.
 */
export async function startScanEarly(args: readonly string[]): Promise<void> {
  const target = scanTarget(args);
  const told = target === undefined ? undefined : fileCompression(target);
  if (told?.compression !== "zstd" && told?.compression !== "xz") return;
  (await import("../target/tar/early.js")).startEarlyDecompression(target!, process.env, told);
}
