/**
 * The flags that say where a catalogue is (`--database`, `--blobs`, `--data-dir`, as serve and
 * worker take them) and the summary `amigate export` and `amigate import` print.
 */
import { type Command, Option } from "commander";
import type { BundleSummary, CatalogueLocation } from "../server/catalogue-bundle.js";
import { parseS3Url } from "../server/store/s3-location.js";
import { databaseOption, dataDirOption } from "./server-options.js";

export interface CatalogueFlags {
  dataDir: string;
  database?: string;
  blobs?: string;
  json?: boolean;
}

export function addCatalogueLocation(command: Command, role: string): Command {
  return command
    .addOption(databaseOption())
    .addOption(
      new Option(
        "--blobs <url>",
        `where ${role} keeps pushed images, as serve's --blobs: s3://bucket/prefix?region=…[&endpoint=…&path-style=true], or the data directory's blobs/ (default)`,
      ).env("AMIGATE_BLOBS"),
    )
    .addOption(dataDirOption())
    .option(
      "--json",
      'print the summary as JSON: {"records":{table:rows},"blobs","bytes","schemaVersion","seconds"}',
    );
}

/** The location the flags name, or exit code 2 naming the bad --blobs. */
export function locationOf(flags: CatalogueFlags, command: string): CatalogueLocation {
  try {
    return {
      dataDir: flags.dataDir,
      ...(flags.database !== undefined ? { database: flags.database } : {}),
      ...(flags.blobs !== undefined ? { blobs: parseS3Url(flags.blobs) } : {}),
    };
  } catch (e) {
    process.stderr.write(`amigate ${command}: ${(e as Error).message}\n`);
    process.exit(2);
  }
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

export function printSummary(
  headline: string,
  summary: BundleSummary,
  seconds: number,
  json: boolean | undefined,
): void {
  if (json) {
    const { records, blobs, bytes, schemaVersion } = summary;
    process.stdout.write(`${JSON.stringify({ records, blobs, bytes, schemaVersion, seconds })}\n`);
    return;
  }
  const width = Math.max(...Object.keys(summary.records).map((t) => t.length));
  const lines = [
    headline,
    ...Object.entries(summary.records).map(([table, rows]) => `  ${table.padEnd(width)}  ${rows}`),
    `  ${summary.blobs} blobs, ${mib(summary.bytes)}, every SHA-256 verified; schema version ${summary.schemaVersion}; ${seconds.toFixed(1)} s`,
    ...Object.entries(summary.skipped).map(([table, why]) => `  not carried: ${table} (${why})`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
