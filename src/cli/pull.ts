import type { Command } from "commander";
import { pullImage, resolveCredentials } from "../server/client.js";
import { endpointOption } from "./push.js";

export function registerPull(program: Command): void {
  program
    .command("pull")
    .description("Download an image you own or that is shared with you; its SHA-256 is verified")
    .argument("<image-id>", "ami-…")
    .requiredOption("-o, --output <file>", "where to write the image")
    .addOption(endpointOption())
    .action(async (imageId: string, flags: { output: string; endpoint: string }) => {
      const sha256 = await pullImage(flags.endpoint, await resolveCredentials(), imageId, flags.output);
      process.stderr.write(`amigate: ${imageId} → ${flags.output} (sha256 ${sha256})\n`);
    });
}
