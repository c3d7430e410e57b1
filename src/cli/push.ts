import { promises as fsp } from "node:fs";
import path from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { userCacheDir } from "../io/user-cache.js";
import { atLeast } from "../policy/severity.js";
import { ClientError, ec2Call, putBlob } from "../server/client.js";
import { fetchScan, type ScanEnvelope, verdictLine, verdictOf } from "../server/scan-client.js";
import { pushInParts } from "../server/upload-client.js";
import { type ClientFlags, clientOptions, credentialsFor } from "./client-options.js";
import { transferBar } from "./progress.js";
import { parseSeconds, parseSize } from "./server-options.js";

interface PushFlags extends ClientFlags {
  name: string;
  description?: string;
  arch?: string;
  virtualizationType: string;
  json?: boolean;
  progress: boolean;
  partSize: number;
  multipartThreshold: number;
  wait?: boolean;
  waitTimeout: number;
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

/**
 * Polls the image's scan until it is done or failed (none yet: the worker has not picked it up),
 * at most `timeoutMs`.
 */
async function waitForScan(
  endpoint: string,
  creds: Awaited<ReturnType<typeof credentialsFor>>,
  imageId: string,
  timeoutMs: number,
): Promise<ScanEnvelope> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const scan = await fetchScan(endpoint, creds, imageId);
      if (scan.status === "done" || scan.status === "failed") return scan;
    } catch (e) {
      if (!(e instanceof ClientError && e.code === "InvalidScan.NotFound")) throw e;
    }
    if (Date.now() >= deadline)
      throw new ClientError(
        `${imageId}: the scan did not finish within ${timeoutMs / 1000} s (read it later with \`amigate report ${imageId}\`)`,
      );
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Unfinished uploads' state files: $XDG_CACHE_HOME/amigate/uploads, else ~/.cache/amigate/uploads. */
export const uploadStateDir = (env = process.env) => path.join(userCacheDir(env), "uploads");

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
      "--wait",
      "wait for the catalogue's scan and print its verdict; exit 1 when the image fails the gate",
    )
    .option(
      "--wait-timeout <seconds>",
      "how long --wait waits for the scan",
      (text: string) => {
        const ms = parseSeconds(text);
        if (ms === undefined)
          throw new InvalidArgumentError("--wait-timeout must be a number of seconds > 0.");
        return ms;
      },
      3600_000,
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
    if (!flags.wait) {
      process.stdout.write(flags.json ? `${JSON.stringify({ imageId })}\n` : `${imageId}\n`);
      return;
    }
    if (!flags.json) process.stdout.write(`${imageId}\n`);
    const scan = await waitForScan(flags.endpoint, creds, imageId, flags.waitTimeout);
    // The catalogue's own verdict under its gate when it gives one; else the report's.
    const served = (scan as { verdict?: unknown }).verdict;
    const verdict = served === "pass" || served === "fail" ? served : verdictOf(scan);
    const reportCommand = `amigate report ${imageId} --endpoint ${flags.endpoint}`;
    const consoleUrl = new URL(`/images/${imageId}`, flags.endpoint).href;
    if (flags.json) {
      const r = scan.report;
      const failing = r
        ? [...new Set(r.findings.filter((f) => atLeast(f.severity, r.failOn)).map((f) => f.rule))]
        : [];
      process.stdout.write(
        `${JSON.stringify({
          imageId,
          verdict,
          scanId: scan.scanId,
          scanStatus: scan.status,
          ...(r ? { failOn: r.failOn, failing } : {}),
          ...(scan.error ? { error: scan.error } : {}),
          reportCommand,
          consoleUrl,
        })}\n`,
      );
    } else {
      process.stderr.write(
        `amigate: ${verdictLine(scan)}\namigate: the report: \`${reportCommand}\`, or ${consoleUrl} in a browser\n`,
      );
    }
    // Like `amigate scan`: 1 when the image fails the gate (a failed scan never passes it).
    process.exitCode = verdict === "pass" ? 0 : 1;
  });
}
