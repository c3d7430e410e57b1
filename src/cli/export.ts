import type { Command } from "commander";
import { BundleError, exportCatalogue } from "../server/catalogue-bundle.js";
import { ServerSetupError } from "../server/errors.js";
import { addCatalogueLocation, type CatalogueFlags, locationOf, printSummary } from "./catalogue-location.js";

export function registerExport(program: Command): void {
  addCatalogueLocation(
    program
      .command("export")
      .description(
        "Write the whole catalogue (every record, every blob, checked by SHA-256) to a new bundle folder that `amigate import` loads into another database and blob store",
      )
      .argument("<dir>", "the bundle folder to create (new or empty)"),
    "the catalogue",
  ).action(async (dir: string, flags: CatalogueFlags) => {
    const from = locationOf(flags, "export");
    const started = performance.now();
    try {
      const summary = await exportCatalogue(dir, from);
      printSummary(
        `amigate export: ${summary.source} → ${dir}`,
        summary,
        (performance.now() - started) / 1000,
        flags.json,
      );
      // The bundle holds the access keys sealed, never the key that opens them.
      process.stderr.write(
        `amigate export: secret.key is not in the bundle: copy ${flags.dataDir}/secret.key into the target's data dir before amigate import\n`,
      );
    } catch (e) {
      if (!(e instanceof BundleError || e instanceof ServerSetupError)) throw e;
      process.stderr.write(`amigate export: ${e.message}\n`);
      process.exit(2);
    }
  });
}
