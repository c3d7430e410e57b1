import { promises as fsp } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { type Command, Option } from "commander";
import { Image } from "../fs/image.js";
import type { FactName } from "../inspect/facts.js";
import { describeError } from "../io/errors.js";
import { type IgnoreEntry, IgnoreFileError, parseIgnoreFile, splitExpired } from "../policy/ignore.js";
import { withStatements } from "../policy/listing/judge.js";
import type { Rule } from "../policy/rule.js";
import { rules as allRules } from "../policy/rules/index.js";
import { SEVERITIES, type Severity } from "../policy/severity.js";
import { keepSeverities, parseSeverityList } from "../policy/severity-filter.js";
import { REPORT_FORMATS, type ReportFormat, renderReport } from "../report/index.js";
import { type ScanSettings, scanOptions } from "../scan/options.js";
import { runScan as scanTarget } from "../scan/session.js";
import { openTarget } from "../target/open.js";
import type { OpenTargetOptions } from "../target/target.js";
import { limitHeapGrowth } from "./heap-growth.js";
import { writeReport } from "./output.js";
import { countingSource, countingTree, ProgressBar, type ProgressSink, scanProgress } from "./progress.js";
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
  /** An answers file, or false for --no-attestations (the text report leaves the list out). */
  attestations?: string | false;
  /** Only findings of these severities: a comma list (--severity HIGH,CRITICAL). */
  severity?: string;
  /** No progress bar and no warnings on stderr. */
  quiet?: boolean;
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
    contentThread: contentThreadOf(process.env.AMIGATE_CONTENT_THREAD),
    contentThreads: contentThreadsOf(process.env.AMIGATE_CONTENT_THREADS),
  };
}

/**
 * How many threads scan text: one per core, at most 4 ($AMIGATE_CONTENT_THREADS overrides). The
 * threads read disk files themselves, so the main thread mostly waits for them: on 2 cores, two
 * threads scanned a 300 k-file disk in 12.8–17 s against 17.5–19.5 s with one, for ~15 MB more.
 */
export function contentThreadsOf(setting: string | undefined): number {
  const asked = setting !== undefined && /^[1-9][0-9]?$/.test(setting.trim()) ? Number(setting) : undefined;
  return asked ?? Math.min(4, Math.max(1, availableParallelism()));
}

/**
 * The content pass scans text in a second thread when there is a second core for it
 * ($AMIGATE_CONTENT_THREAD=off|auto|always overrides, for measuring).
 */
export function contentThreadOf(setting: string | undefined): "off" | "auto" | "always" {
  if (setting === "off" || setting === "auto" || setting === "always") return setting;
  return availableParallelism() > 1 ? "auto" : "off";
}

/** Where the report goes and what the terminal allows; tests pass their own. */
export interface ScanIO {
  write(text: string): void;
  isTTY: boolean;
  noColor: boolean;
  rules: ReadonlyArray<Rule<FactName>>;
  /** A terminal to draw the progress bar on, or undefined for none (see showProgress). */
  progress?: ProgressSink;
  /** Warnings (an expired ignore entry), one line each; left out with --quiet. */
  warn?(line: string): void;
}

/**
 * The progress bar goes to stderr, and only when stderr is a terminal: never into files, pipes or
 * CI logs, not with --no-progress, and not while a JSON report is written to stdout (a JSON
 * consumer on a terminal gets a clean stream).
 */
export function showProgress(
  flags: Pick<ScanFlags, "format" | "output" | "progress" | "quiet">,
  stderrIsTTY: boolean,
): boolean {
  if (!stderrIsTTY || flags.progress === false || flags.quiet === true) return false;
  return !(flags.format === "json" && flags.output === undefined);
}

/** The default ignore files, looked for in the working directory in this order. */
export const DEFAULT_IGNORE_FILES = [".amigateignore.yaml", ".amigateignore"] as const;

/**
 * The ignore file named by the user, else the first default one present; entries naming a rule
 * that is not in `rules` are errors.
 */
async function loadIgnore(
  file: string | undefined,
  rules: ReadonlyArray<Rule<FactName>>,
): Promise<{ file?: string; entries: IgnoreEntry[] }> {
  const knownRules = new Set(rules.map((r) => r.id));
  for (const candidate of file !== undefined ? [file] : DEFAULT_IGNORE_FILES) {
    let text: string;
    try {
      text = await fsp.readFile(candidate, "utf8");
    } catch (e) {
      if (file === undefined && (e as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw new IgnoreFileError(`${candidate}: ${describeError(e)}`);
    }
    return { file: candidate, entries: await parseIgnoreFile(text, candidate, { knownRules }) };
  }
  return { entries: [] };
}

/**
 * Scans, writes the report and returns the exit code: 0 nothing at or above --fail-on, 1 findings
 * at or above it. Anything that stops the scan throws (the CLI prints it and exits 2).
 */
export async function runScan(input: string, flags: ScanFlags, io: ScanIO): Promise<0 | 1> {
  const fromFlags = scanOptions({ ...scanSettingsOf(flags), rules: io.rules });
  const severities = flags.severity !== undefined ? parseSeverityList(flags.severity) : undefined;
  // The flags are checked before the ignore file is read: a bad --as-of is the error reported.
  const ignore = await loadIgnore(flags.ignoreFile, io.rules);
  const { active, expired } = splitExpired(ignore.entries, fromFlags.now);
  for (const e of expired)
    io.warn?.(
      `${ignore.file}${e.line !== undefined ? `:${e.line}` : ""}: the entry for ${e.rule}${e.path ? ` (${e.path})` : ""} expired on ${e.expires}; its findings count again`,
    );
  const options = { ...fromFlags, ignore: active };
  const statements = await statementsFromFiles({
    ...(flags.listing !== undefined ? { listing: flags.listing } : {}),
    ...(typeof flags.attestations === "string" ? { attestations: flags.attestations } : {}),
  });
  // While the tree is walked: bytes read of a disk, directory entries of a directory or archive,
  // with no total (a disk scan reads a few percent of its virtual disk, so that is no total). Then
  // bytes of the files the content pass reads, of what it planned: that total is reached.
  let bar: ProgressBar | undefined;
  const sink = io.progress;
  const label = `scanning ${path.basename(input)}`;
  const openOptions: OpenTargetOptions = sink
    ? {
        // One bar for all of a target's disks (an OVA has one per virtual disk).
        wrapDiskSource: (source) => {
          const counted = bar ?? new ProgressBar(sink, { label, done: 0, unit: "bytes" });
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
    const withProgress = bar
      ? { ...options, inspect: { ...options.inspect, progress: scanProgress(bar) } }
      : options;
    const scanned = (await scanTarget({ ...target, input, roots }, withProgress)).result;
    const judged = statements ? withStatements(scanned, statements) : scanned;
    const result = severities ? keepSeverities(judged, severities) : judged;
    bar?.finish();
    // Colours only on a terminal: never in files or pipes, never with NO_COLOR (no-color.org).
    const color = flags.output === undefined && io.isTTY && !io.noColor;
    const text = renderReport(result, flags.format, {
      color,
      ...(flags.attestations === false ? { attestations: false } : {}),
    });
    if (flags.output !== undefined) await writeReport(text, flags.output);
    else io.write(text);
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
    .argument(
      "<target>",
      "a directory, a .tar/.tar.gz/.tar.xz/.tar.zst archive, a disk image, or an OVA (an archive of disk images)",
    )
    .addOption(
      new Option("-f, --format <format>", "report format")
        .choices(REPORT_FORMATS)
        .default("text")
        .env("AMIGATE_FORMAT"),
    )
    .addOption(
      new Option("-o, --output <file>", "write the report to a file instead of stdout").env("AMIGATE_OUTPUT"),
    )
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a finding is at or above this severity")
        .choices(SEVERITIES)
        .default("high")
        .env("AMIGATE_FAIL_ON"),
    )
    .option(
      "--severity <list>",
      "report only these severities, a comma list (CRITICAL,HIGH); --fail-on judges what is reported",
    )
    .option(
      "--ignore-file <file>",
      "accepted findings: YAML list of {rule, path?, expires?, reason} (default .amigateignore.yaml, else .amigateignore)",
    )
    .option("--as-of <date>", "judge end of life and database age on this date (YYYY-MM-DD; default today)")
    .option("--db <path>", "vulnerability database (default: $AMIGATE_DB, else the user cache directory)")
    .option("--db-max-age <days>", "report a vulnerability database older than this as stale", "7")
    .option("--clamd <socket>", "stream files to this clamd unix socket (default: $AMIGATE_CLAMD_SOCKET)")
    .option("--no-progress", "never draw the progress bar (drawn on stderr only when it is a terminal)")
    .option("-q, --quiet", "nothing on stderr but errors: no progress bar, no warnings")
    .option("--listing <file>", "judge the listing checks on this listing (amigate listing init)")
    .option("--attestations <file>", "show these answers to the attestation items (amigate attest)")
    .option("--no-attestations", "leave the attestation items out of the text report")
    .action(async (input: string, flags: ScanFlags) => {
      limitHeapGrowth();
      process.exitCode = await runScan(input, flags, {
        write: (text) => process.stdout.write(text),
        isTTY: process.stdout.isTTY === true,
        noColor: (process.env.NO_COLOR ?? "") !== "",
        rules: allRules,
        ...(flags.quiet
          ? {}
          : { warn: (line: string) => process.stderr.write(`amigate: warning: ${line}\n`) }),
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
