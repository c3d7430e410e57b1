import { promises as fsp } from "node:fs";
import type { Command } from "commander";
import { ClientError, ec2Call, putBlob } from "../server/client.js";
import { type ClientFlags, clientOptions, credentialsFor } from "./client-options.js";

interface PushFlags extends ClientFlags {
  name: string;
  description?: string;
  arch?: string;
  virtualizationType: string;
  json?: boolean;
}

export function registerPush(program: Command): void {
  const command = program
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
    .option("--json", 'print {"imageId": "ami-..."}');
  clientOptions(command).action(async (file: string, flags: PushFlags) => {
    const st = await fsp.stat(file).catch(() => undefined);
    if (!st?.isFile()) throw new ClientError(`${file}: not a file (tar a directory first)`);
    const creds = await credentialsFor(flags);
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
