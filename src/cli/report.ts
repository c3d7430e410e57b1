import { type Command, Option } from "commander";
import { REPORT_FORMATS, type ReportFormat, renderReport } from "../report/index.js";
import { fetchScan, verdictLine, verdictOf } from "../server/scan-client.js";
import { type ClientFlags, clientOptions, credentialsFor } from "./client-options.js";
import { writeReport } from "./output.js";
import { outputOption } from "./report-options.js";

interface ReportFlags extends ClientFlags {
  format: ReportFormat;
  output?: string;
}

export function registerReport(program: Command): void {
  const command = program
    .command("report")
    .description(
      "Fetch the catalogue's scan report of an image you can see (yours, shared with you, or public): what was found in it",
    )
    .argument("<image-id>", "ami-…")
    .addOption(new Option("-f, --format <format>", "report format").choices(REPORT_FORMATS).default("text"))
    .addOption(outputOption());
  clientOptions(command).action(async (imageId: string, flags: ReportFlags) => {
    const scan = await fetchScan(flags.endpoint, await credentialsFor(flags), imageId);
    const verdict = verdictOf(scan);
    if (!scan.report) {
      // Nothing to render: say why; the exit code says amigate could not do its job.
      process.stderr.write(`amigate: ${verdictLine(scan)}\n`);
      process.exitCode = 2;
      return;
    }
    const color = flags.output === undefined && process.stdout.isTTY === true && !process.env.NO_COLOR;
    await writeReport(renderReport(scan.report, flags.format, { color }), flags.output);
    if (flags.output !== undefined) process.stderr.write(`amigate: ${verdictLine(scan)}\n`);
    // Like `amigate scan`: 1 when the image has findings at or above the scan's --fail-on.
    process.exitCode = verdict === "pass" ? 0 : 1;
  });
}
