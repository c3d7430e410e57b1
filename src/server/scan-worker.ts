/**
 * Runs in a worker thread: scans one pushed blob with the same pipeline as `amigate scan`
 * (openTarget + a scan session) and reads the platform facts that fill EC2 fields (architecture,
 * boot mode, platform) from that session. The HTTP thread never blocks on image bytes.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { parentPort, workerData } from "node:worker_threads";
import type { PlatformFacts } from "../inspect/platform.js";
import { describeError } from "../io/errors.js";
import type { Severity } from "../policy/severity.js";
import { type ScanOptions, scanOptions } from "../scan/options.js";
import { runScan } from "../scan/session.js";
import { takeSnapshot } from "../scan/snapshot.js";
import { looksLikeArchive, openTarget } from "../target/open.js";
import type { OpenedTarget } from "../target/target.js";
import type { S3BlobStore } from "./store/s3-blobs.js";
import type { S3Location } from "./store/s3-location.js";

/** A blob in an object store, read by range (disks) or fetched into spoolDir (archives). */
export interface RemoteBlob {
  location: S3Location;
  sha256: string;
  size: number;
  spoolDir: string;
}

export interface ScanJob {
  /** The blob as a local file (folder store), or where the object store keeps it. */
  path?: string;
  remote?: RemoteBlob;
  imageId: string;
  failOn: Severity;
  /** The vulnerability database the scan matches packages against (`serve --db`). */
  vulnDb?: string;
}

export interface ScannedAttributes {
  architecture?: string;
  bootMode?: string;
  virtualizationType?: string;
  platform?: string;
  os?: string;
}

/** `facts` is the scan's facts snapshot (scan/snapshot.ts JSON), kept for re-judging. */
export type ScanOutcome =
  | { ok: true; report: string; facts: string; attributes: ScannedAttributes }
  | { ok: false; error: string };

/**
 * The server scans like `amigate scan` with its defaults: the vulnerability DB from AMIGATE_DB (else
 * the user cache), and today's date unless AMIGATE_SCAN_AS_OF (YYYY-MM-DD) fixes it — for
 * reproducible catalogues and tests.
 */
function serverScanOptions(job: ScanJob): ScanOptions {
  const asOf = process.env.AMIGATE_SCAN_AS_OF;
  return scanOptions({
    failOn: job.failOn,
    ...(asOf && /^\d{4}-\d{2}-\d{2}$/.test(asOf) ? { asOf } : {}),
    db: job.vulnDb,
  });
}

const EC2_ARCH: Record<string, string> = { x86_64: "x86_64", aarch64: "arm64", i386: "i386" };

export async function runScanJob(job: ScanJob): Promise<ScanOutcome> {
  try {
    // references "none": a pushed blob was vetted at upload, and a scan never opens another file.
    const target = await openJobTarget(job);
    try {
      const { result, roots } = await runScan({ ...target, input: job.imageId }, serverScanOptions(job));
      const attributes: ScannedAttributes = {};
      const facts = roots[0]?.facts;
      if (facts) {
        try {
          const platform = (await facts.get("platform")) as PlatformFacts;
          const arch = platform.architecture && EC2_ARCH[platform.architecture.architecture];
          if (arch) attributes.architecture = arch;
          const disk = platform.disk;
          if (disk) {
            const efi = disk.efiSystemPartitions.some((p) => p.loaders.length > 0);
            if (efi && disk.mbrBootCode) attributes.bootMode = "uefi-preferred";
            else if (efi) attributes.bootMode = "uefi";
            else if (disk.mbrBootCode) attributes.bootMode = "legacy-bios";
          }
          // Kernels of 64-bit images boot as HVM on every current instance type (ARC-2's rule checks more).
          if (platform.kernels.length > 0 && (arch === "x86_64" || arch === "arm64"))
            attributes.virtualizationType = "hvm";
        } catch {
          // Platform facts are a convenience: the scan report records what could not be read.
        }
      }
      const os = result.roots[0]?.os;
      if (os?.id === "windows") attributes.platform = "windows";
      if (os?.prettyName ?? os?.name) attributes.os = (os.prettyName ?? os.name)!;
      const snapshot = await takeSnapshot(roots, result.scannedAt);
      return {
        ok: true,
        report: withoutServerPaths(JSON.stringify(result), job),
        facts: withoutServerPaths(JSON.stringify(snapshot), job),
        attributes,
      };
    } finally {
      await target.close();
    }
  } catch (e) {
    return { ok: false, error: withoutServerPaths(describeError(e), job) };
  }
}

/**
 * Opens the job's blob. references "none": a pushed blob was vetted at upload, and a scan never
 * opens another file. A remote disk is read by range; a remote archive is fetched whole into the
 * spool folder first (a tar scan reads every byte in order anyway) and removed when closed.
 */
async function openJobTarget(job: ScanJob): Promise<OpenedTarget> {
  if (job.path !== undefined) return openTarget(job.path, { references: "none" });
  const remote = job.remote;
  if (!remote) throw new Error("scan job names no blob");
  // The AWS SDK is loaded only for blobs in an object store: every scan starts a fresh thread, and
  // parsing the SDK there cost each folder-store scan a few hundred milliseconds.
  const [{ s3Client, S3BlobStore }, { s3ByteSource }] = await Promise.all([
    import("./store/s3-blobs.js"),
    import("./store/s3-byte-source.js"),
  ]);
  const client = s3Client(remote.location);
  const source = s3ByteSource(client, remote.location, remote.sha256, remote.size, job.imageId);
  const head = remote.size > 0 ? await source.read(0, Math.min(64 * 1024, remote.size)) : Buffer.alloc(0);
  if (!looksLikeArchive(head)) return openTarget(job.imageId, { references: "none", source });
  await source.close();
  const file = await fetchBlob(new S3BlobStore(remote.location, remote.spoolDir, client), remote);
  try {
    const target = await openTarget(file, { references: "none" });
    return {
      ...target,
      close: async () => {
        await target.close();
        await rm(file, { force: true });
      },
    };
  } catch (e) {
    await rm(file, { force: true });
    throw e;
  }
}

async function fetchBlob(store: S3BlobStore, remote: RemoteBlob): Promise<string> {
  await mkdir(remote.spoolDir, { recursive: true, mode: 0o700 });
  const file = path.join(
    remote.spoolDir,
    `scan-${remote.sha256.slice(0, 16)}-${randomBytes(4).toString("hex")}`,
  );
  try {
    await pipeline(await store.open(remote.sha256), createWriteStream(file, { mode: 0o600 }));
  } catch (e) {
    await rm(file, { force: true });
    throw e;
  }
  return file;
}

/**
 * Reports and errors go to tenants: the blob's path on this server (its data directory) is never
 * in them. Readers name the file they read in their messages, so every mention of the blob's path
 * becomes the image id and any other mention of its folder becomes "<blobs>".
 */
export function withoutServerPaths(text: string, job: Pick<ScanJob, "path" | "imageId" | "remote">): string {
  const where = job.path ?? job.remote?.spoolDir;
  if (where === undefined) return text;
  const folder = job.path !== undefined ? path.dirname(path.dirname(job.path)) : where;
  let out = text;
  for (const [from, to] of [
    [job.path ?? job.remote!.spoolDir, job.imageId],
    [folder, "<blobs>"],
  ] as const) {
    out = out.split(from).join(to);
    const escaped = JSON.stringify(from).slice(1, -1);
    if (escaped !== from) out = out.split(escaped).join(JSON.stringify(to).slice(1, -1));
  }
  return out;
}

if (parentPort && workerData) {
  const port = parentPort;
  runScanJob(workerData as ScanJob).then((outcome) => port.postMessage(outcome));
}
