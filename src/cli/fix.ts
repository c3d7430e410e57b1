import { type Command, Option } from "commander";
import type { ApplyOutcome } from "../fix/apply/directory.js";
import { DEFAULT_FIX_OPTIONS, type FixOptions } from "../fix/operation.js";
import { operations } from "../fix/operations/index.js";
import { type Plan, selectOperations } from "../fix/planner.js";
import { afterDigest, renderOutcomes, renderPlan, renderRemaining } from "../fix/render.js";
import { runFix } from "../fix/run.js";
import { TargetError } from "../io/errors.js";
import type { ScanResult } from "../policy/result.js";
import { SEVERITIES, type Severity } from "../policy/severity.js";
import { scanOptions } from "../scan/options.js";
import { limitHeapGrowth } from "./heap-growth.js";
import { scanSettingsOf } from "./scan.js";

interface FixFlags {
  dryRun?: boolean;
  yes?: boolean;
  only?: string;
  skip?: string;
  keepPassword?: string;
  rootLogin: FixOptions["rootLogin"];
  output?: string;
  journal?: string;
  listOperations?: boolean;
  format: "text" | "json";
  failOn: Severity;
  crossMounts?: boolean;
  asOf?: string;
  db?: string;
  dbMaxAge?: string;
  clamd?: string;
}

const list = (s: string | undefined) =>
  (s ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

export function renderOperationList(): string {
  const rows = operations.map(
    (o) => `${o.id.padEnd(28)} ${o.defaultOn ? "*" : " "} ${o.appliesTo.padEnd(7)} ${o.heading}`,
  );
  return `${["Operations (* = on by default), in the order they run:", ...rows].join("\n")}\n`;
}

export function registerFix(program: Command): void {
  program
    .command("fix")
    .description("Clean an image for sharing: plan every change, apply it with --yes, re-scan")
    .argument(
      "[target]",
      "a directory (/, a mounted image), a tar archive (with -o), or a disk image or OVA (planned only)",
    )
    .option("--dry-run", "print the plan and change nothing (the default without --yes)")
    .option("-y, --yes", "apply the plan")
    .option("--only <ids>", "run only these operations (comma-separated)")
    .option("--skip <ids>", "do not run these operations")
    .option("--keep-password <users>", "accounts whose password hash lock-passwords keeps")
    .addOption(
      new Option("--root-login <value>", "PermitRootLogin to set")
        .choices(["prohibit-password", "no"])
        .default("prohibit-password"),
    )
    .option(
      "-o, --output <file>",
      "archive targets: write the cleaned archive here (compressed like the input)",
    )
    .option(
      "--journal <file>",
      "where to write the journal (default ./amigate-fix-<time>.jsonl; never inside the root)",
    )
    .option("--cross-mounts", "also change files on other filesystems mounted below the root")
    .option("--list-operations", "print the operations and exit")
    .option("--as-of <date>", "the re-scan judges end of life and database age on this date (YYYY-MM-DD)")
    .option(
      "--db <path>",
      "vulnerability database for the re-scan (default: $AMIGATE_DB, else the user cache directory)",
    )
    .option(
      "--db-max-age <days>",
      "the re-scan reports a vulnerability database older than this as stale",
      "7",
    )
    .option("--clamd <socket>", "the re-scan streams files to this clamd unix socket")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a finding at or above this remains")
        .choices(SEVERITIES)
        .default("high"),
    )
    .action(async (input: string | undefined, flags: FixFlags) => {
      if (flags.listOperations) {
        process.stdout.write(
          flags.format === "json"
            ? `${JSON.stringify(
                operations.map(({ plan: _p, ...o }) => o),
                null,
                2,
              )}\n`
            : renderOperationList(),
        );
        return;
      }
      if (!input) throw new TargetError("(none)", "name a target directory or archive");
      // Planning scans the image and the result is scanned again: the scan's heap bound applies.
      limitHeapGrowth();
      process.exitCode = await runFixCommand(input, flags);
    });
}

/**
 * Never writes by surprise: without --yes it is a dry run, on a TTY or not (a script must say
 * --yes). Exit 0 when the re-scan passes, 1 when findings remain at or above --fail-on.
 */
async function runFixCommand(input: string, flags: FixFlags): Promise<number> {
  const apply = flags.yes === true && flags.dryRun !== true;
  const scan = scanOptions(scanSettingsOf(flags));
  const options: FixOptions = {
    ...DEFAULT_FIX_OPTIONS,
    keepPassword: list(flags.keepPassword),
    rootLogin: flags.rootLogin,
  };
  const selected = selectOperations({ only: list(flags.only), skip: list(flags.skip) });
  const run = await runFix({
    input,
    apply,
    output: flags.output,
    journal: flags.journal,
    crossMounts: flags.crossMounts === true,
    options,
    selected,
    scan,
    onApplied({ kind, journal, liveSystem }) {
      if (kind !== "directory" || !journal) return;
      if (flags.format === "text") process.stderr.write(`journal: ${journal}\n`);
      if (liveSystem)
        process.stderr.write(
          "note: fixing the running system: the journal is on it too; move it off before the image is taken\n",
        );
    },
  });
  return report(input, run.plan, run.outcomes, run.applied, flags, run.rescan);
}

function report(
  input: string,
  plan: Plan,
  outcomes: ApplyOutcome[],
  applied: boolean,
  flags: FixFlags,
  rescan: ScanResult,
): number {
  if (flags.format === "json") {
    const changes = plan.changes.map((c) => ({
      operation: c.operation,
      action: c.action,
      path: c.path,
      reason: c.reason,
      before: c.action === "create" ? "absent" : c.before,
      after: afterDigest(c),
      ...(c.action === "replace" && c.edits ? { edits: c.edits } : {}),
    }));
    const out = {
      dryRun: !applied,
      plan: { os: plan.os, operations: plan.operations, changes, notices: plan.notices },
      outcomes: outcomes.map((o) => ({
        path: o.change.path,
        action: o.change.action,
        status: o.status,
        detail: o.detail,
      })),
      rescan,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    let text = renderPlan(plan, input);
    if (applied) text += renderOutcomes(outcomes);
    else text += "Dry run: nothing was changed. Run again with --yes to apply this plan.\n";
    text += renderRemaining(
      rescan,
      plan,
      outcomes,
      applied ? "Re-scan after fix" : "Scan before fix",
      applied,
    );
    process.stdout.write(text);
  }
  if (!applied) return 0;
  return rescan.passed ? 0 : 1;
}
