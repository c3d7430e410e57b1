import { type Command, Option } from "commander";
import { takeInventory } from "../scan/inventory.js";
import { openTarget } from "../target/open.js";
import { writeReport } from "./output.js";

export const PACKAGE_FORMATS = ["text", "json", "cyclonedx", "spdx"] as const;
type PackageFormat = (typeof PACKAGE_FORMATS)[number];

/** `amigate packages TARGET`: the package inventory per OS root, as a list or an SBOM. */
export function registerPackages(program: Command): void {
  program
    .command("packages")
    .description("List the installed packages (dpkg, rpm, apk) and runtimes of an image, or write its SBOM")
    .argument("<target>", "a directory, archive or disk image")
    .addOption(
      new Option(
        "-f, --format <format>",
        "text, json, cyclonedx (CycloneDX 1.6 JSON) or spdx (SPDX 2.3 JSON)",
      )
        .choices(PACKAGE_FORMATS)
        .default("text"),
    )
    .option("-o, --output <file>", "write to a file instead of stdout")
    .action(async (input: string, flags: { format: PackageFormat; output?: string }) => {
      const target = await openTarget(input);
      let text: string;
      try {
        const inventory = await takeInventory(target);
        // The SBOM writers load only when asked for (the CycloneDX library is not small).
        if (flags.format === "cyclonedx")
          text = (await import("../report/cyclonedx.js")).renderCycloneDx(inventory);
        else if (flags.format === "spdx") text = (await import("../report/spdx.js")).renderSpdx(inventory);
        else {
          const { renderPackagesJson, renderPackagesText } = await import("../report/packages.js");
          text = flags.format === "json" ? renderPackagesJson(inventory) : renderPackagesText(inventory);
        }
      } finally {
        await target.close();
      }
      await writeReport(text, flags.output);
    });
}
