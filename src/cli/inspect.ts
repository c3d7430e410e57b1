import type { Command } from "commander";
import { inspectTarget } from "../target/disk/target-summary.js";
import { openTarget } from "../target/open.js";
import { renderInspection } from "./inspect-text.js";

export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .description(
      "Show what a target holds: container, partition table, LVM, filesystems, encrypted volumes, OS roots",
    )
    .argument("<target>", "a disk image, archive or directory")
    .option("--json", "print JSON instead of text")
    .action(async (input: string, flags: { json?: boolean }) => {
      const target = await openTarget(input);
      try {
        const inspection = inspectTarget(target);
        process.stdout.write(
          flags.json ? `${JSON.stringify(inspection, null, 2)}\n` : renderInspection(inspection),
        );
      } finally {
        await target.close();
      }
    });
}
