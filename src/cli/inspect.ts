import type { Command } from "commander";
import { inspectTarget } from "../target/disk/target-summary.js";
import { openTarget } from "../target/open.js";
import { renderInspection } from "./inspect-text.js";
import { writeReport } from "./output.js";
import { formatOf, formatOption, jsonAliasOption, outputOption } from "./report-options.js";

export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .description(
      "Show what a target holds: container, partition table, LVM, filesystems, encrypted volumes, OS roots",
    )
    .argument("<target>", "a disk image, archive or directory")
    .addOption(formatOption(["text", "json"], "text"))
    .addOption(outputOption())
    .addOption(jsonAliasOption())
    .action(async (input: string, flags: { format: "text" | "json"; json?: boolean; output?: string }) => {
      const target = await openTarget(input);
      let text: string;
      try {
        const inspection = inspectTarget(target);
        text =
          formatOf(flags) === "json"
            ? `${JSON.stringify(inspection, null, 2)}\n`
            : renderInspection(inspection);
      } finally {
        await target.close();
      }
      await writeReport(text, flags.output);
    });
}
