import { type Command, Option } from "commander";
import { SEVERITIES, type Severity } from "../policy/severity.js";
import { openCatalogueOn } from "../server/catalogue.js";
import { databaseOf, describeDatabase, isPostgresUrl } from "../server/database.js";
import type { GateScope } from "../server/gate.js";
import { serve } from "../server/http.js";
import {
  parseTimeOfDay,
  REGRESSION_ACTIONS,
  type RegressionAction,
  type RejudgeSummary,
} from "../server/rejudge.js";
import { parseS3Url, type S3Location } from "../server/store/s3-location.js";
import {
  databaseOption,
  dataDirOption,
  parseCount,
  parseDuration,
  parseSeconds,
  parseSize,
} from "./server-options.js";

interface ServeFlags {
  host: string;
  port: string;
  dataDir: string;
  database?: string;
  blobs?: string;
  region: string;
  gateSeverity: Severity;
  gateScope: GateScope;
  scanWorkers: string;
  publicImageQuota: string;
  deregisteredListing: string;
  sessionIdle: string;
  sessionMax: string;
  scanTimeout: string;
  scanMemory: string;
  maxUpload: string;
  accountQuota: string;
  headerTimeout: string;
  requestTimeout: string;
  idleTimeout: string;
  maxConnections: string;
  db?: string;
  allowUncheckedVulnerabilities: boolean;
  onRegression: RegressionAction;
  rejudgeAt: string;
}

/** A flag's value, or exit code 2 naming the flag and what it must be. */
function flagValue(flag: string, text: string, parse: (t: string) => number | undefined, expected: string) {
  const n = parse(text);
  if (n === undefined) {
    process.stderr.write(`amigate serve: ${flag} must be ${expected}, got '${text}'\n`);
    process.exit(2);
  }
  return n;
}

/** What a session may last: at least a minute, at most 30 days. */
const SESSION_BOUNDS = { min: 60_000, max: 30 * 86_400_000 };
const DURATION = "a duration from 1m to 30d with units, e.g. 30m, 12h, 1h30m";

/** --session-idle and --session-max as the console's session settings; usage error (exit 2) if bad. */
export function sessionLifetimes(flags: Pick<ServeFlags, "sessionIdle" | "sessionMax">) {
  const duration = (t: string) => {
    const ms = parseDuration(t);
    return ms !== undefined && ms >= SESSION_BOUNDS.min && ms <= SESSION_BOUNDS.max ? ms : undefined;
  };
  const idleMs = flagValue("--session-idle", flags.sessionIdle, duration, DURATION);
  const lifetimeMs = flagValue("--session-max", flags.sessionMax, duration, DURATION);
  if (idleMs > lifetimeMs) {
    process.stderr.write(
      `amigate serve: --session-idle (${flags.sessionIdle}) must not be longer than --session-max (${flags.sessionMax})\n`,
    );
    process.exit(2);
  }
  return { idleMs, lifetimeMs };
}

/** --scan-workers: 0 (no scans in this process) only where `amigate worker` can take them. */
function scanWorkers(flags: Pick<ServeFlags, "scanWorkers" | "database">): number {
  const n = flagValue("--scan-workers", flags.scanWorkers, parseCount, "a whole number ≥ 0");
  if (n === 0 && !isPostgresUrl(flags.database ?? "")) {
    process.stderr.write(
      "amigate serve: --scan-workers 0 needs --database postgres://… (`amigate worker` then runs the scans)\n",
    );
    process.exit(2);
  }
  return n;
}

const WHOLE = "a whole number ≥ 0";
const WHOLE_1 = "a whole number ≥ 1";
const SECONDS = "a number of seconds > 0";
const SIZE = "a size in bytes ≥ 0, e.g. 1073741824 or 20G";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("Run the EC2-compatible image catalogue (DescribeImages, launch permissions, scan gate)")
    .addOption(new Option("--host <host>", "address to listen on").env("AMIGATE_HOST").default("127.0.0.1"))
    .addOption(
      new Option("--port <port>", "port to listen on (0: any free port)").env("AMIGATE_PORT").default("8754"),
    )
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .addOption(
      new Option("--region <region>", "the region this catalogue answers for (ARC-1 wants us-east-1)")
        .env("AMIGATE_REGION")
        .default("us-east-1"),
    )
    .addOption(
      new Option(
        "--gate-severity <severity>",
        "refuse a gated share while the scan has findings at or above this",
      )
        .choices(SEVERITIES)
        .env("AMIGATE_GATE_SEVERITY")
        .default("high"),
    )
    .addOption(
      new Option("--gate-scope <scope>", "which shares the scan gate covers: public (Group=all), all, off")
        .choices(["public", "all", "off"])
        .env("AMIGATE_GATE_SCOPE")
        .default("public"),
    )
    .addOption(
      new Option(
        "--public-image-quota <n>",
        "public images an account may have at once, as EC2's quota of 5 per Region (0: no limit)",
      )
        .env("AMIGATE_PUBLIC_IMAGE_QUOTA")
        .default("5"),
    )
    .addOption(
      new Option(
        "--deregistered-listing <seconds>",
        "how long DescribeImages still lists a deregistered image (state deregistered), as EC2 does for a short while (0: not at all)",
      )
        .env("AMIGATE_DEREGISTERED_LISTING")
        .default("3600"),
    )
    .addOption(
      new Option("--session-idle <duration>", "a web console session unused this long ends (e.g. 30m, 1h)")
        .env("AMIGATE_SESSION_IDLE")
        .default("1h"),
    )
    .addOption(
      new Option(
        "--session-max <duration>",
        "a web console session ends this long after sign-in, however busy (e.g. 12h, 1d)",
      )
        .env("AMIGATE_SESSION_MAX")
        .default("12h"),
    )
    .addOption(
      new Option(
        "--scan-workers <n>",
        "background scans run at once (worker threads); 0 on PostgreSQL: only `amigate worker`s scan",
      )
        .env("AMIGATE_SCAN_WORKERS")
        .default("1"),
    )
    .addOption(
      new Option("--scan-timeout <seconds>", "wall time one scan may take; past it the scan fails")
        .env("AMIGATE_SCAN_TIMEOUT")
        .default("300"),
    )
    .addOption(
      new Option("--scan-memory <MiB>", "JS heap one scan's worker may use; past it the scan fails")
        .env("AMIGATE_SCAN_MEMORY")
        .default("256"),
    )
    .addOption(
      new Option("--max-upload <size>", "bytes one pushed image may have, e.g. 20G (0: no limit)")
        .env("AMIGATE_MAX_UPLOAD")
        .default("32G"),
    )
    .addOption(
      new Option(
        "--account-quota <size>",
        "bytes of pushed images an account may store, e.g. 100G (0: no limit)",
      )
        .env("AMIGATE_ACCOUNT_QUOTA")
        .default("128G"),
    )
    .addOption(
      new Option("--header-timeout <seconds>", "a request's headers must arrive within this")
        .env("AMIGATE_HEADER_TIMEOUT")
        .default("20"),
    )
    .addOption(
      new Option(
        "--request-timeout <seconds>",
        "the body of a request other than an upload must arrive within this",
      )
        .env("AMIGATE_REQUEST_TIMEOUT")
        .default("60"),
    )
    .addOption(
      new Option("--idle-timeout <seconds>", "a connection that moves no bytes for this long is closed")
        .env("AMIGATE_IDLE_TIMEOUT")
        .default("60"),
    )
    .addOption(
      new Option("--max-connections <n>", "connections open at once; more are closed as they arrive")
        .env("AMIGATE_MAX_CONNECTIONS")
        .default("512"),
    )
    .addOption(
      new Option(
        "--blobs <url>",
        "where pushed images are kept: the data directory (default) or s3://bucket/prefix?region=…[&endpoint=…&path-style=true]",
      ).env("AMIGATE_BLOBS"),
    )
    .addOption(
      new Option("--db <path>", "vulnerability database the scans match packages against").env("AMIGATE_DB"),
    )
    .addOption(
      new Option(
        "--allow-unchecked-vulnerabilities",
        "let images whose vulnerability checks were skipped (no or empty database) pass the gate",
      ).env("AMIGATE_ALLOW_UNCHECKED_VULNERABILITIES"),
    )
    .addOption(
      new Option(
        "--on-regression <action>",
        "when re-judging fails an image that passed: flag it (audit entry, amigate:verdict=fail tag) or also make it private",
      )
        .choices(REGRESSION_ACTIONS)
        .env("AMIGATE_ON_REGRESSION")
        .default("flag"),
    )
    .addOption(
      new Option(
        "--rejudge-at <HH:MM|off>",
        "re-judge every stored image daily at this time (UTC) on the day's date and the current --db",
      )
        .env("AMIGATE_REJUDGE_AT")
        .default("03:00"),
    )
    .action(async (flags: ServeFlags) => {
      // Every value is checked before the data directory is opened.
      const pinned = process.env.AMIGATE_SCAN_AS_OF;
      const rejudgeAt =
        flags.rejudgeAt === "off"
          ? undefined
          : flagValue("--rejudge-at", flags.rejudgeAt, parseTimeOfDay, "a time as HH:MM (UTC) or off");
      const http = {
        headersTimeoutMs: flagValue("--header-timeout", flags.headerTimeout, parseSeconds, SECONDS),
        requestTimeoutMs: flagValue("--request-timeout", flags.requestTimeout, parseSeconds, SECONDS),
        idleTimeoutMs: flagValue("--idle-timeout", flags.idleTimeout, parseSeconds, SECONDS),
        maxConnections: flagValue(
          "--max-connections",
          flags.maxConnections,
          (t) => parseCount(t, 1),
          WHOLE_1,
        ),
      };
      let blobs: S3Location | undefined;
      try {
        blobs = flags.blobs !== undefined ? parseS3Url(flags.blobs) : undefined;
      } catch (e) {
        process.stderr.write(`amigate serve: ${(e as Error).message}\n`);
        process.exit(2);
      }
      const options = {
        ...(blobs ? { blobs } : {}),
        dataDir: flags.dataDir,
        region: flags.region,
        gateSeverity: flags.gateSeverity,
        gateScope: flags.gateScope,
        scanWorkers: scanWorkers(flags),
        publicImageQuota: flagValue("--public-image-quota", flags.publicImageQuota, parseCount, WHOLE),
        consoleSessions: sessionLifetimes(flags),
        deregisteredListingMs:
          1000 *
          flagValue(
            "--deregistered-listing",
            flags.deregisteredListing,
            (t) => {
              const n = parseCount(t);
              return n !== undefined && n <= 86_400 ? n : undefined;
            },
            "a whole number of seconds from 0 to 86400",
          ),
        scanBudget: {
          timeoutMs: flagValue("--scan-timeout", flags.scanTimeout, parseSeconds, SECONDS),
          memoryMb: flagValue(
            "--scan-memory",
            flags.scanMemory,
            (t) => parseCount(t, 1),
            "a whole number of MiB ≥ 1",
          ),
        },
        ...(flags.db ? { vulnDb: flags.db } : {}),
        requireVulnerabilityChecks: !flags.allowUncheckedVulnerabilities,
        onRegression: flags.onRegression,
        // Scans pinned to a date (scan-worker.ts) are re-judged on it too, not on today.
        ...(pinned && /^\d{4}-\d{2}-\d{2}$/.test(pinned) ? { rejudgePinnedAsOf: pinned } : {}),
        ...(rejudgeAt !== undefined ? { rejudgeAt } : {}),
        onRejudged: (s: RejudgeSummary) =>
          process.stdout.write(
            `amigate serve: re-judged ${s.judged} images as of ${s.asOf.slice(0, 10)} (${s.reason}): ${s.changed} reports changed, ${s.regressed.length} regressed, ${s.madePrivate.length} made private, ${s.recovered.length} pass again${s.failed.length > 0 ? `, ${s.failed.length} could not be judged (first: ${s.failed[0]!.imageId}: ${s.failed[0]!.error})` : ""}\n`,
          ),
        rejudgeLog: (line: string) => process.stdout.write(`amigate serve: ${line}\n`),
        uploadLimits: {
          maxBlobBytes: flagValue("--max-upload", flags.maxUpload, parseSize, SIZE),
          accountQuotaBytes: flagValue("--account-quota", flags.accountQuota, parseSize, SIZE),
        },
      };
      const catalogue = await openCatalogueOn(options, flags.database);
      const { server, url } = await serve(catalogue.app, flags.host, Number(flags.port), undefined, http);
      if (catalogue.createdAdmin) {
        const a = catalogue.createdAdmin;
        // Shown once: only a sealed copy of the secret is kept (README "Secrets at rest").
        process.stdout.write(
          `amigate: created admin account ${a.account.accountId}\n` +
            `  AWS_ACCESS_KEY_ID=${a.accessKeyId}\n  AWS_SECRET_ACCESS_KEY=${a.secretAccessKey}\n` +
            "  (the secret is shown only this once)\n",
        );
      }
      const database = describeDatabase(databaseOf(flags.dataDir, flags.database));
      process.stdout.write(
        `amigate serve: listening on ${url} (data: ${flags.dataDir}; database: ${database})\n`,
      );
      process.stdout.write(`amigate serve: web console at ${url}/ (sign in with an access key)\n`);
      const stop = () => {
        server.close();
        catalogue.close().finally(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
