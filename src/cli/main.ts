#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { VERSION } from "../version.js";
import { registerAccounts } from "./accounts.js";
import { registerDb } from "./db.js";
import { registerFix } from "./fix.js";
import { registerInspect } from "./inspect.js";
import { registerPackages } from "./packages.js";
import { registerPolicy } from "./policy.js";
import { registerPull } from "./pull.js";
import { registerPush } from "./push.js";
import { registerScan } from "./scan.js";
import { registerServe } from "./serve.js";

/** Exit codes are a contract: 0 pass, 1 findings at or above --fail-on, 2 amigate could not do its job. */
export const EXIT_PASS = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

const program = new Command()
  .name("amigate")
  .description("Check, clean and share machine images against the AWS Marketplace AMI policies")
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride();

registerScan(program);
registerPolicy(program);
registerInspect(program);
registerPackages(program);
registerDb(program);
registerFix(program);
registerServe(program);
registerAccounts(program);
registerPush(program);
registerPull(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version exit 0; usage errors are "could not do its job".
    process.exit(e.exitCode === 0 ? 0 : EXIT_ERROR);
  }
  process.stderr.write(`amigate: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(EXIT_ERROR);
}
