import { DEFAULT_INSPECT_OPTIONS, type InspectOptions } from "../inspect/context.js";
import type { FactName } from "../inspect/facts.js";
import type { IgnoreEntry } from "../policy/ignore.js";
import type { Rule } from "../policy/rule.js";
import { rules as allRules } from "../policy/rules/index.js";
import type { Severity } from "../policy/severity.js";
import { defaultDbPath } from "../vuln/db/path.js";

/** How a scan judges: what fails it, what is accepted, which rules run, what the inspectors use. */
export interface ScanOptions {
  failOn: Severity;
  ignore: readonly IgnoreEntry[];
  rules: ReadonlyArray<Rule<FactName>>;
  inspect: InspectOptions;
  /** Fixed clock for reproducible reports. */
  now: Date;
}

/**
 * Options with every unset one at its default (today's date, every rule, nothing ignored, fail on
 * high). The scan date reaches the inspectors (end of life, DB age) unless `inspect` sets one.
 */
export function completeScanOptions(partial: Partial<ScanOptions> = {}): ScanOptions {
  const merged: ScanOptions = {
    failOn: "high",
    ignore: [],
    rules: allRules,
    inspect: DEFAULT_INSPECT_OPTIONS,
    now: new Date(),
    ...partial,
  };
  return { ...merged, inspect: { now: merged.now, ...merged.inspect } };
}

/**
 * What a user says about a scan, as they say it (`amigate scan`/`fix` flags, `serve`'s settings).
 * Environment defaults stay with the caller, except the vulnerability DB's ($AMIGATE_DB).
 */
export interface ScanSettings {
  failOn?: Severity;
  /** Accepted findings (an ignore file, already read). */
  ignore?: readonly IgnoreEntry[];
  /** Judge end of life and database age on this date, YYYY-MM-DD (default today). */
  asOf?: string;
  /** The vulnerability database (default: $AMIGATE_DB, else the user cache directory). */
  db?: string;
  /** A database older than this many days is reported as stale (default 7). */
  dbMaxAge?: string;
  /** Stream every file to this clamd unix socket. */
  clamd?: string;
  /** The rules that judge (default: all). */
  rules?: ReadonlyArray<Rule<FactName>>;
  /** Where the content pass scans text (InspectOptions.contentThread; default "off"). */
  contentThread?: InspectOptions["contentThread"];
  /** How many threads scan text then (InspectOptions.contentThreads; default 1). */
  contentThreads?: number;
}

/** A setting that cannot be used (a malformed date, a negative age): the scan does not start. */
export class ScanSettingsError extends Error {
  override readonly name = "ScanSettingsError";
}

/**
 * The scan options for these settings: the one place user-facing settings become ScanOptions
 * (cli/scan.ts, cli/fix.ts and the server's scan worker). Errors name the settings as the CLI flags.
 */
export function scanOptions(settings: ScanSettings = {}): ScanOptions {
  const { asOf, dbMaxAge } = settings;
  if (asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(asOf))
    throw new ScanSettingsError(`--as-of ${asOf}: expected a date as YYYY-MM-DD`);
  const now = asOf ? new Date(`${asOf}T00:00:00Z`) : new Date();
  if (Number.isNaN(now.getTime())) throw new ScanSettingsError(`--as-of ${asOf}: not a valid date`);
  const maxAge = Number(dbMaxAge ?? 7);
  if (!Number.isFinite(maxAge) || maxAge < 0)
    throw new ScanSettingsError(`--db-max-age ${dbMaxAge}: expected a number of days`);
  return completeScanOptions({
    ...(settings.failOn !== undefined ? { failOn: settings.failOn } : {}),
    ...(settings.ignore !== undefined ? { ignore: settings.ignore } : {}),
    ...(settings.rules !== undefined ? { rules: settings.rules } : {}),
    now,
    inspect: {
      ...DEFAULT_INSPECT_OPTIONS,
      now,
      vulnDb: defaultDbPath(settings.db),
      vulnDbMaxAgeDays: maxAge,
      ...(settings.clamd ? { clamdSocket: settings.clamd } : {}),
      ...(settings.contentThread ? { contentThread: settings.contentThread } : {}),
      ...(settings.contentThreads ? { contentThreads: settings.contentThreads } : {}),
    },
  });
}
