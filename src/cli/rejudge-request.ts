/**
 * `amigate db update|import --rejudge`: once the database changed, ask the catalogue (amigate
 * serve, with an admin's credentials) to judge every stored image again with its own `--db`. The
 * answer names the database the server reads; a different one than just updated is said, since
 * the server would re-judge with what it already had.
 */
import { type Command, Option } from "commander";
import { signedJson } from "../server/json-client.js";
import type { RejudgeStatus } from "../server/rejudge.js";
import { VulnDbReader } from "../vuln/reader.js";
import { credentialsFor } from "./client-options.js";

export interface RejudgeFlags {
  rejudge?: boolean;
  endpoint?: string;
  profile?: string;
}

/** Adds --rejudge with the catalogue's --endpoint and --profile (needed only with --rejudge). */
export function rejudgeOptions(command: Command): Command {
  return command
    .option(
      "--rejudge",
      "then have the catalogue at --endpoint judge every stored image again (an admin's credentials)",
    )
    .addOption(
      new Option("--endpoint <url>", "the catalogue (amigate serve) --rejudge asks").env("AMIGATE_ENDPOINT"),
    )
    .option("--profile <name>", "the profile to sign the --rejudge call with (default: the standard chain)");
}

/** The last import of the database just written, to compare with the server's. */
function lastImportOf(dbPath: string): string | undefined {
  const reader = VulnDbReader.open(dbPath);
  try {
    return reader.summary().lastImport;
  } finally {
    reader.close();
  }
}

/** Refuses --rejudge without --endpoint before the database is touched. */
export function checkRejudgeFlags(flags: RejudgeFlags): void {
  if (flags.rejudge && !flags.endpoint)
    throw new Error("--rejudge needs the catalogue's URL: --endpoint URL (or AMIGATE_ENDPOINT)");
}

/** Asks for the run; prints what was queued, and a warning when the server reads another database. */
export async function requestRejudge(flags: RejudgeFlags, dbPath: string): Promise<void> {
  if (!flags.rejudge || !flags.endpoint) return;
  const answer = await signedJson<RejudgeStatus & { asOf: string }>(
    flags.endpoint,
    await credentialsFor(flags),
    "POST",
    "/amigate/rejudge",
    {},
  );
  process.stdout.write(`re-judging every image on ${flags.endpoint} as of ${answer.asOf.slice(0, 10)}\n`);
  const ours = lastImportOf(dbPath);
  const theirs = answer.database;
  if (theirs.unusable !== undefined || theirs.lastImport !== ours)
    process.stderr.write(
      `amigate: the catalogue judges with ${theirs.path} (${theirs.unusable ?? `last import ${theirs.lastImport ?? "never"}`}), not the database just written (${dbPath}, last import ${ours ?? "never"}): give serve --db the same file\n`,
    );
}
