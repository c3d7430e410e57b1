import { promises as fsp } from "node:fs";
import { type Command, Option } from "commander";
import { describeError } from "../fs/errors.js";
import { IgnoreFileError, type IgnoreEntry, parseIgnoreFile } from "../policy/ignore.js";
import { scan } from "../policy/engine.js";
import { SEVERITIES, type Severity } from "../policy/severity.js";
import { REPORT_FORMATS, type ReportFormat, renderReport } from "../report/index.js";
import { openTarget } from "../source/open.js";
import { DEFAULT_INSPECT_OPTIONS } from "../inspect/context.js";
import { defaultDbPath } from "../vuln/db/index.js";

interface ScanFlags {
  format: ReportFormat;
  output?: string;
  failOn: Severity;
  ignoreFile?: string;
  asOf?: string;
  db?: string;
  dbMaxAge?: string;
  clamd?: string;
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
  return parseIgnoreFile(text, path);
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
    .option("--ignore-file <file>", "accepted findings: YAML list of {rule, path?, reason} (default .amigateignore.yaml)")
    .option("--as-of <date>", "judge end of life and database age on this date (YYYY-MM-DD; default today)")
    .option("--db <path>", "vulnerability database (default: $AMIGATE_DB, else the user cache directory)")
    .option("--db-max-age <days>", "report a vulnerability database older than this as stale", "7")
    .option("--clamd <socket>", "stream files to this clamd unix socket (default: $AMIGATE_CLAMD_SOCKET)")
    .action(async (input: string, flags: ScanFlags) => {
      if (flags.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(flags.asOf)) throw new Error(`--as-of ${flags.asOf}: expected YYYY-MM-DD`);
      const now = flags.asOf ? new Date(`${flags.asOf}T00:00:00Z`) : new Date();
      const clamd = flags.clamd ?? process.env.AMIGATE_CLAMD_SOCKET;
      const inspect = {
        ...DEFAULT_INSPECT_OPTIONS,
        now,
        vulnDb: defaultDbPath(flags.db),
        vulnDbMaxAgeDays: Number(flags.dbMaxAge ?? 7),
        ...(clamd ? { clamdSocket: clamd } : {}),
      };
      const ignore = await loadIgnore(flags.ignoreFile);
      const target = await openTarget(input);
      try {
        const result = await scan(
          { input, kind: target.kind, description: target.description },
          target.roots,
          { failOn: flags.failOn, ignore, now, inspect },
        );
        const color = !flags.output && process.stdout.isTTY === true && !process.env.NO_COLOR;
        const text = renderReport(result, flags.format, { color });
        if (flags.output) await fsp.writeFile(flags.output, text);
        else process.stdout.write(text);
        process.exitCode = result.passed ? 0 : 1;
      } finally {
        await target.close();
      }
    });
}
