import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { ClientError, ec2Call, putBlob } from "../server/client.js";
import { pushInParts } from "../server/upload-client.js";
import { type ClientFlags, clientOptions, credentialsFor } from "./client-options.js";
import { transferBar } from "./progress.js";
import { parseSize } from "./server-options.js";

interface PushFlags extends ClientFlags {
  name: string;
  description?: string;
  arch?: string;
  virtualizationType: string;
  json?: boolean;
  progress: boolean;
  partSize: number;
  multipartThreshold: number;
}

const MiB = 1024 * 1024;
/** The catalogue's bounds on a part (upload-sessions.ts) and on their count. */
const MIN_PART = MiB;
const MAX_PART = 512 * MiB;
const MAX_PARTS = 10_000;

const sizeOption = (flag: string, min: number, max: number) => (text: string) => {
  const n = parseSize(text);
  if (n === undefined || n < min || n > max)
    throw new InvalidArgumentError(
      `${flag} must be a size from ${min / MiB} MiB to ${max / MiB} MiB (e.g. 16M).`,
    );
  return n;
};

/** Unfinished uploads' state files: $XDG_CACHE_HOME/amigate/uploads, else ~/.cache/amigate/uploads. */
export const uploadStateDir = (env = process.env) =>
  path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "amigate", "uploads");

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
    .option("--json", 'print {"imageId": "ami-..."}')
    .option(
      "--no-progress",
      "no progress bar (it is drawn only when stderr is a terminal, and never with --json)",
    )
    .option(
      "--multipart-threshold <size>",
      "files larger than this are sent in parts, resumably (a push run again after an interruption sends only the missing parts)",
      sizeOption("--multipart-threshold", 0, Number.MAX_SAFE_INTEGER),
      64 * MiB,
    )
    .option(
      "--part-size <size>",
      "the size of each part (1M to 512M; raised when the file would need more than 10000)",
      sizeOption("--part-size", MIN_PART, MAX_PART),
      16 * MiB,
    );
  clientOptions(command).action(async (file: string, flags: PushFlags) => {
    const st = await fsp.stat(file).catch(() => undefined);
    if (!st?.isFile()) throw new ClientError(`${file}: not a file (tar a directory first)`);
    const creds = await credentialsFor(flags);
    const progress = transferBar(path.basename(file), flags.progress && !flags.json);
    let location: string;
    try {
      location =
        st.size > flags.multipartThreshold
          ? await pushInParts(flags.endpoint, creds, file, {
              partSize: Math.min(
                MAX_PART,
                Math.max(flags.partSize, Math.ceil(st.size / MAX_PARTS / MiB) * MiB),
              ),
              stateDir: uploadStateDir(),
              ...(progress ? { progress } : {}),
            })
          : await putBlob(flags.endpoint, creds, file, progress);
    } finally {
      progress?.finish();
    }
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
