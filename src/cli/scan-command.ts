import { type Command, Option } from "commander";
import { SEVERITIES } from "../policy/severity.js";
import { REPORT_FORMATS } from "../report/formats.js";
import { startDecompression } from "../target/tar/early.js";
import type { ScanFlags } from "./scan.js";

// The command's flags, declared without the scan's modules: `amigate scan` loads them (~0.1 s of
// compiling) only once its flags are good, and a compressed archive's decompressor is by then
// already running on the other core (target/tar/early.ts).

export function registerScan(program: Command): void {
  program
    .command("scan")
    .description("Scan an image (directory, tar archive or disk image) against the AMI policies")
    .argument("<target>", "a directory, a .tar/.tar.gz/.tar.xz/.tar.zst archive, or a disk image")
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
      const started = await startDecompression(input);
      try {
        const { scanCommand } = await import("./scan.js");
        process.exitCode = await scanCommand(input, flags, started);
      } finally {
        await started?.release();
      }
    });
}
