import { promises as fsp } from "node:fs";
import { type Command, Option } from "commander";
import { ClientError, ec2Call, putBlob, resolveCredentials } from "../server/client.js";

interface PushFlags {
  name: string;
  description?: string;
  arch?: string;
  virtualizationType: string;
  endpoint: string;
  json?: boolean;
}

export const endpointOption = () =>
  new Option("--endpoint <url>", "the catalogue's URL (amigate serve)")
    .env("AMIGATE_ENDPOINT")
    .makeOptionMandatory();

export function registerPush(program: Command): void {
  program
    .command("push")
    .description(
      "Upload a disk image or archive and register it as an AMI; the catalogue scans it in the background",
    )
    .argument("<file>", "a disk image or archive (anything `amigate scan` accepts, except a directory)")
    .requiredOption("--name <name>", "the AMI name (3-128 characters)")
    .option("--description <text>", "the AMI description")
    .option("--arch <arch>", "architecture (i386, x86_64, arm64); default: what the scan finds")
    .option(
      "--virtualization-type <type>",
      "hvm or paravirtual; a whole-disk image boots as hvm (RegisterImage alone defaults to paravirtual)",
      "hvm",
    )
    .addOption(endpointOption())
    .option("--json", 'print {"imageId": "ami-..."}')
    .action(async (file: string, flags: PushFlags) => {
      const st = await fsp.stat(file).catch(() => undefined);
      if (!st?.isFile()) throw new ClientError(`${file}: not a file (tar a directory first)`);
      const creds = await resolveCredentials();
      const location = await putBlob(flags.endpoint, creds, file);
      const params: Record<string, string> = {
        Name: flags.name,
        ImageLocation: location,
        VirtualizationType: flags.virtualizationType,
      };
      if (flags.description !== undefined) params.Description = flags.description;
      if (flags.arch !== undefined) params.Architecture = flags.arch;
      const res = await ec2Call(flags.endpoint, creds, "RegisterImage", params);
      const imageId = String(res.imageId);
      process.stdout.write(flags.json ? `${JSON.stringify({ imageId })}\n` : `${imageId}\n`);
    });
}
