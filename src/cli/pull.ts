import type { Command } from "commander";
import { pullImage } from "../server/client.js";
import { fetchScan, verdictLine, verdictOf } from "../server/scan-client.js";
import { type ClientFlags, clientOptions, credentialsFor } from "./client-options.js";
import { transferBar } from "./progress.js";

interface PullFlags extends ClientFlags {
  output: string;
  acceptFindings?: boolean;
  progress: boolean;
}

export function registerPull(program: Command): void {
  const command = program
    .command("pull")
    .description(
      "Download an image you own, that is shared with you, or that is public; its scan verdict is shown first and its SHA-256 verified",
    )
    .argument("<image-id>", "ami-…")
    .requiredOption("-o, --output <file>", "where to write the image")
    .option(
      "--accept-findings",
      "pull an image whose scan failed or has not finished (treat shared images as foreign code: read `amigate report` first)",
    )
    .option("--no-progress", "no progress bar (it is drawn only when stderr is a terminal)");
  clientOptions(command).action(async (imageId: string, flags: PullFlags) => {
    const creds = await credentialsFor(flags);
    // Due diligence before a byte is downloaded: what the catalogue's scan found in the image.
    const scan = await fetchScan(flags.endpoint, creds, imageId);
    process.stderr.write(`amigate: ${verdictLine(scan)}\n`);
    if (verdictOf(scan) !== "pass" && !flags.acceptFindings) {
      process.stderr.write(
        `amigate: not pulled. Read the findings with \`amigate report ${imageId}\`; pull anyway with --accept-findings.\n`,
      );
      process.exitCode = 1;
      return;
    }
    const progress = transferBar(imageId, flags.progress);
    let sha256: string;
    try {
      sha256 = await pullImage(flags.endpoint, creds, imageId, flags.output, progress);
    } finally {
      progress?.finish();
    }
    process.stderr.write(`amigate: ${imageId} → ${flags.output} (sha256 ${sha256})\n`);
  });
}
