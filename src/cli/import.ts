import type { Command } from "commander";
import { BundleError, importCatalogue } from "../server/catalogue-bundle.js";
import { ServerSetupError } from "../server/errors.js";
import { addCatalogueLocation, type CatalogueFlags, locationOf, printSummary } from "./catalogue-location.js";

export function registerImport(program: Command): void {
  addCatalogueLocation(
    program
      .command("import")
      .description(
        "Load a bundle from `amigate export` into a new, empty catalogue: every blob's SHA-256 and every record file checked first, then all records in one transaction (the data dir needs the source's secret.key)",
      )
      .argument("<dir>", "the bundle folder"),
    "the new catalogue",
  ).action(async (dir: string, flags: CatalogueFlags) => {
    const to = locationOf(flags, "import");
    const started = performance.now();
    try {
      const summary = await importCatalogue(dir, to);
      printSummary(
        `amigate import: ${dir} → ${summary.target}`,
        summary,
        (performance.now() - started) / 1000,
        flags.json,
      );
    } catch (e) {
      if (!(e instanceof BundleError || e instanceof ServerSetupError)) throw e;
      process.stderr.write(`amigate import: ${e.message}\n`);
      process.exit(2);
    }
  });
}
