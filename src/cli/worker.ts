import { type Command, Option } from "commander";
import { SEVERITIES, type Severity } from "../policy/severity.js";
import { databaseOf, describeDatabase, isPostgresUrl } from "../server/database.js";
import { ServerSetupError } from "../server/errors.js";
import { openScanWorker } from "../server/queue/worker-node.js";
import { parseS3Url, type S3Location } from "../server/store/s3-location.js";
import { databaseOption, dataDirOption, parseCount, parseSeconds } from "./server-options.js";

interface WorkerFlags {
  dataDir: string;
  database?: string;
  blobs?: string;
  scanWorkers: string;
  scanTimeout: string;
  scanMemory: string;
  gateSeverity: Severity;
  db?: string;
}

/** A flag's value, or exit code 2 naming the flag and what it must be. */
function flagValue(flag: string, text: string, parse: (t: string) => number | undefined, expected: string) {
  const n = parse(text);
  if (n === undefined) {
    process.stderr.write(`amigate worker: ${flag} must be ${expected}, got '${text}'\n`);
    process.exit(2);
  }
  return n;
}

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description(
      "Run scans and re-judging passes for a PostgreSQL catalogue: take their jobs from its queue, as many workers as needed, anywhere",
    )
    .addOption(databaseOption().makeOptionMandatory())
    .addOption(dataDirOption())
    .addOption(
      new Option(
        "--blobs <url>",
        "where the catalogue keeps pushed images, as serve's --blobs: s3://bucket/prefix?region=…[&endpoint=…&path-style=true], or the data directory's blobs/ (default)",
      ).env("AMIGATE_BLOBS"),
    )
    .addOption(
      new Option("--scan-workers <n>", "scans run at once (worker threads)")
        .env("AMIGATE_SCAN_WORKERS")
        .default("1"),
    )
    .addOption(
      new Option(
        "--scan-timeout <seconds>",
        "wall time one scan may take; past it the scan fails (a job queued with a shorter one keeps it)",
      )
        .env("AMIGATE_SCAN_TIMEOUT")
        .default("300"),
    )
    .addOption(
      new Option("--scan-memory <MiB>", "JS heap one scan's worker may use; past it the scan fails")
        .env("AMIGATE_SCAN_MEMORY")
        .default("256"),
    )
    .addOption(
      new Option(
        "--gate-severity <severity>",
        "the reports' fail-on for scans queued without one (left by a single-node catalogue); jobs carry the API node's",
      )
        .choices(SEVERITIES)
        .env("AMIGATE_GATE_SEVERITY")
        .default("high"),
    )
    .addOption(
      new Option(
        "--db <path>",
        "vulnerability database the scans and re-judging passes match packages against",
      ).env("AMIGATE_DB"),
    )
    .action(async (flags: WorkerFlags) => {
      const database = flags.database ?? "";
      if (!isPostgresUrl(database)) {
        process.stderr.write(
          "amigate worker: --database must be a postgres:// URL (a SQLite catalogue scans inside `amigate serve`)\n",
        );
        process.exit(2);
      }
      const slots = flagValue(
        "--scan-workers",
        flags.scanWorkers,
        (t) => parseCount(t, 1),
        "a whole number ≥ 1",
      );
      const budget = {
        timeoutMs: flagValue("--scan-timeout", flags.scanTimeout, parseSeconds, "a number of seconds > 0"),
        memoryMb: flagValue(
          "--scan-memory",
          flags.scanMemory,
          (t) => parseCount(t, 1),
          "a whole number of MiB ≥ 1",
        ),
      };
      let blobs: S3Location | undefined;
      try {
        blobs = flags.blobs !== undefined ? parseS3Url(flags.blobs) : undefined;
      } catch (e) {
        process.stderr.write(`amigate worker: ${(e as Error).message}\n`);
        process.exit(2);
      }
      const worker = await openScanWorker({
        dataDir: flags.dataDir,
        database,
        ...(blobs ? { blobs } : {}),
        slots,
        budget,
        failOn: flags.gateSeverity,
        ...(flags.db ? { vulnDb: flags.db } : {}),
        log: (line) => process.stdout.write(`amigate worker: ${line}\n`),
      }).catch((e: Error) => {
        throw e instanceof ServerSetupError ? e : new ServerSetupError(e.message);
      });
      process.stdout.write(
        `amigate worker: taking scan jobs from ${describeDatabase(databaseOf(flags.dataDir, database))} (${slots} at once; blobs: ${flags.blobs ?? `${flags.dataDir}/blobs`})\n`,
      );
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        process.stdout.write("amigate worker: stopping; running scans finish first\n");
        worker.close().finally(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
