import { promises as fsp } from "node:fs";
import path from "node:path";
import { type Command, Option } from "commander";
import { Image } from "../fs/image.js";
import type { FactName } from "../inspect/facts.js";
import { describeError } from "../io/errors.js";
import { type IgnoreEntry, IgnoreFileError, parseIgnoreFile } from "../policy/ignore.js";
import { withStatements } from "../policy/listing/judge.js";
import type { Rule } from "../policy/rule.js";
import { rules as allRules } from "../policy/rules/index.js";
import { SEVERITIES, type Severity } from "../policy/severity.js";
import { REPORT_FORMATS, type ReportFormat, renderReport } from "../report/index.js";
import { type ScanSettings, scanOptions } from "../scan/options.js";
import { runScan as scanTarget } from "../scan/session.js";
import { openTarget } from "../target/open.js";
import type { OpenTargetOptions } from "../target/target.js";
import { countingSource, countingTree, ProgressBar, type ProgressSink } from "./progress.js";
import { statementsFromFiles } from "./statement-files.js";

export interface ScanFlags {
  format: ReportFormat;
  output?: string;
  failOn: Severity;
  ignoreFile?: string;
  asOf?: string;
  db?: string;
  dbMaxAge?: string;
  clamd?: string;
  /** --no-progress sets false. */
  progress?: boolean;
  /** A listing and an answers file the report's statement clauses are judged with. */
  listing?: string;
  attestations?: string;
}

/** The scan settings every command that scans takes from its flags (scan, fix). */
export function scanSettingsOf(
  flags: Pick<ScanFlags, "failOn" | "asOf" | "db" | "dbMaxAge" | "clamd">,
): ScanSettings {
  return {
    failOn: flags.failOn,
    asOf: flags.asOf,
    db: flags.db,
    dbMaxAge: flags.dbMaxAge,
    clamd: flags.clamd ?? process.env.AMIGATE_CLAMD_SOCKET,
  };
}

/** Where the report goes and what the terminal allows; tests pass their own. */
export interface ScanIO {
  write(text: string): void;
  isTTY: boolean;
  noColor: boolean;
  rules: ReadonlyArray<Rule<FactName>>;
  /** A terminal to draw the progress bar on, or undefined for none (see showProgress). */
  progress?: ProgressSink;
}

/**
 * The progress bar goes to stderr, and only when stderr is a terminal: never into files, pipes or
 * CI logs, not with --no-progress, and not while a JSON report is written to stdout (a JSON
 * consumer on a terminal gets a clean stream).
 */
export function showProgress(
  flags: Pick<ScanFlags, "format" | "output" | "progress">,
  stderrIsTTY: boolean,
): boolean {
  if (!stderrIsTTY || flags.progress === false) return false;
  return !(flags.format === "json" && flags.output === undefined);
}

export class ReportWriteError extends Error {
  override readonly name = "ReportWriteError";
}

/** The ignore file named by the user, else .amigateignore.yaml in the working directory if present. */
async function loadIgnore(file: string | undefined): Promise<IgnoreEntry[]> {
  const path = file ?? ".amigateignore.yaml";
  let text: string;
  try {
    text = await fsp.readFile(path, "utf8");
  } catch (e) {
    if (file === undefined && (e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new IgnoreFileError(`${path}: ${describeError(e)}`);
  }
  return await parseIgnoreFile(text, path);
}

/**
 * Scans, writes the report and returns the exit code: 0 nothing at or above --fail-on, 1 findings
 * at or above it. Anything that stops the scan throws (the CLI prints it and exits 2).
 */
export async function runScan(input: string, flags: ScanFlags, io: ScanIO): Promise<0 | 1> {
  const fromFlags = scanOptions({ ...scanSettingsOf(flags), rules: io.rules });
  // The flags are checked before the ignore file is read: a bad --as-of is the error reported.
  const options = { ...fromFlags, ignore: await loadIgnore(flags.ignoreFile) };
  const statements = await statementsFromFiles(flags);
  // Disks: bytes read of the virtual disk; directories and archives: directory entries walked.
  let bar: ProgressBar | undefined;
  const sink = io.progress;
  const label = `scanning ${path.basename(input)}`;
  const openOptions: OpenTargetOptions = sink
    ? {
        wrapDiskSource: (source) => {
          const counted = new ProgressBar(sink, { label, done: 0, total: source.size, unit: "bytes" });
          bar = counted;
          return countingSource(source, (n) => counted.add(n));
        },
      }
    : {};
  const target = await openTarget(input, openOptions);
  try {
    let roots = target.roots;
    if (sink && !bar) {
      const counted = new ProgressBar(sink, { label, done: 0, unit: "files" });
      bar = counted;
      roots = roots.map((r) => ({
        ...r,
        image: new Image(countingTree(r.image.tree, (n) => counted.add(n))),
      }));
    }
    const scanned = (await scanTarget({ ...target, input, roots }, options)).result;
    const result = statements ? withStatements(scanned, statements) : scanned;
    bar?.finish();
    // Colours only on a terminal: never in files or pipes, never with NO_COLOR (no-color.org).
    const color = flags.output === undefined && io.isTTY && !io.noColor;
    const text = renderReport(result, flags.format, { color });
    if (flags.output !== undefined) {
      try {
        await fsp.writeFile(flags.output, text);
      } catch (e) {
        throw new ReportWriteError(`cannot write report to ${flags.output}: ${describeError(e)}`);
      }
    } else io.write(text);
    return result.passed ? 0 : 1;
  } finally {
    bar?.finish();
    await target.close();
  }
}

export function registerScan(program: Command): void {
  program
    .command("scan")
    .description("Scan an image (directory, tar archive or disk image) against the AMI policies")
    .argument("<target>", "a directory, a .tar/.tar.gz/.tar.xz/.tar.zst archive, or a disk image")
    .addOption(new Option("-f, --format <format>", "report format").choices(REPORT_FORMATS).default("text"))
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a finding is at or above this severity")
        .choices(SEVERITIES)
        .default("high"),
    )
    .option(
      "--ignore-file <file>",
      "accepted findings: YAML list of {rule, path?, reason} (default .amigateignore.yaml)",
    )
    .option("--as-of <date>", "judge end of life and database age on this date (YYYY-MM-DD; default today)")
    .option("--db <path>", "vulnerability database (default: $AMIGATE_DB, else the user cache directory)")
    .option("--db-max-age <days>", "report a vulnerability database older than this as stale", "7")
    .option("--clamd <socket>", "stream files to this clamd unix socket (default: $AMIGATE_CLAMD_SOCKET)")
    .option("--no-progress", "never draw the progress bar (drawn on stderr only when it is a terminal)")
    .option("--listing <file>", "judge the listing checks on this listing (amigate listing init)")
    .option("--attestations <file>", "show these answers to the attestation items (amigate attest)")
    .action(async (input: string, flags: ScanFlags) => {
      process.exitCode = await runScan(input, flags, {
        write: (text) => process.stdout.write(text),
        isTTY: process.stdout.isTTY === true,
        noColor: (process.env.NO_COLOR ?? "") !== "",
        rules: allRules,
        ...(showProgress(flags, process.stderr.isTTY === true)
          ? {
              progress: {
                write: (text: string) => process.stderr.write(text),
                columns: process.stderr.columns,
              },
            }
          : {}),
      });
    });
}
