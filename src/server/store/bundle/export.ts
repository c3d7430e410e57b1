/**
 * Writes a catalogue bundle: every table of BUNDLE_TABLES as records/<table>.jsonl from one
 * snapshot, every blob the blobs table names as blobs/sha256/<hex> (read through the blob store's
 * own digest check, hashed again on the way), then manifest.json last: a folder without one is an
 * export that did not finish.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, promises as fsp } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { VERSION } from "../../../version.js";
import type { BlobStore } from "../types.js";
import {
  type BlobEntry,
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BundleError,
  type BundleManifest,
  blobFile,
  MANIFEST_FILE,
  type RecordsEntry,
  writeManifest,
} from "./manifest.js";
import type { CatalogueTables } from "./table-access.js";
import { BUNDLE_TABLES, recordsFile, SKIPPED_TABLES, type TableSpec } from "./tables.js";

export interface BundleSummary {
  /** Rows per table. */
  records: Record<string, number>;
  blobs: number;
  /** The blobs' bytes. */
  bytes: number;
  schemaVersion: number;
  /** Tables left out on purpose, and why. */
  skipped: Record<string, string>;
}

/**
 * Creates `dir` (or takes it when empty: a bundle never mixes with other files). Answers how to
 * remove what the export wrote, so a failed export leaves nothing that looks like a bundle.
 */
async function emptyBundleDir(dir: string): Promise<() => Promise<void>> {
  let created = true;
  try {
    if ((await fsp.readdir(dir)).length > 0)
      throw new BundleError(
        `${dir} exists and is not empty: export writes a new bundle into a new or empty folder`,
      );
    created = false;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOTDIR")
      throw new BundleError(`${dir} is a file, not a folder`);
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  await fsp.mkdir(path.join(dir, "records"), { recursive: true });
  await fsp.mkdir(path.join(dir, "blobs", "sha256"), { recursive: true });
  return async () => {
    const written = created ? [dir] : ["records", "blobs", MANIFEST_FILE].map((f) => path.join(dir, f));
    for (const p of written) await fsp.rm(p, { recursive: true, force: true });
  };
}

async function writeRecords(
  dir: string,
  spec: TableSpec,
  rows: AsyncIterable<Record<string, unknown>>,
  onRow: (row: Record<string, unknown>) => void,
): Promise<RecordsEntry> {
  const file = recordsFile(spec);
  const out = createWriteStream(path.join(dir, file), { flags: "wx" });
  const hash = createHash("sha256");
  let count = 0;
  try {
    for await (const row of rows) {
      onRow(row);
      const line = JSON.stringify(row) + "\n";
      hash.update(line);
      count++;
      if (!out.write(line)) await once(out, "drain");
    }
  } finally {
    out.end();
    await once(out, "close");
  }
  return { file, count, sha256: hash.digest("hex") };
}

async function copyBlob(dir: string, blobs: BlobStore, blob: BlobEntry): Promise<void> {
  let source: Readable;
  try {
    source = await blobs.open(blob.sha256);
  } catch (e) {
    throw new BundleError(
      `blob ${blob.sha256} is in the catalogue's blobs table but not in its blob store (${(e as Error).message})`,
    );
  }
  const hash = createHash("sha256");
  let size = 0;
  await pipeline(
    source,
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(path.join(dir, blobFile(blob.sha256)), { flags: "wx" }),
  );
  const got = hash.digest("hex");
  if (got !== blob.sha256 || size !== blob.size)
    throw new BundleError(
      `blob ${blob.sha256}: the blob store gave ${size} bytes with SHA-256 ${got}; the catalogue records ${blob.size} bytes`,
    );
}

export async function exportBundle(
  dir: string,
  tables: CatalogueTables,
  blobs: BlobStore,
): Promise<BundleSummary> {
  const removeWritten = await emptyBundleDir(dir);
  try {
    return await writeBundle(dir, tables, blobs);
  } catch (e) {
    await removeWritten();
    throw e;
  }
}

async function writeBundle(dir: string, tables: CatalogueTables, blobs: BlobStore): Promise<BundleSummary> {
  const exportedAt = new Date().toISOString();
  const found: BlobEntry[] = [];
  const records = await tables.snapshot(async (reader) => {
    const written: Record<string, RecordsEntry> = {};
    for (const spec of BUNDLE_TABLES) {
      const onRow =
        spec.table === "blobs"
          ? (row: Record<string, unknown>) =>
              found.push({ sha256: row.sha256 as string, size: row.size as number })
          : () => {};
      written[spec.table] = await writeRecords(dir, spec, reader.rows(spec), onRow);
    }
    return written;
  });
  for (const blob of found) await copyBlob(dir, blobs, blob);
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    amigateVersion: VERSION,
    schemaVersion: tables.schemaVersion,
    exportedAt,
    source: tables.engine,
    records,
    skipped: { ...SKIPPED_TABLES },
    blobs: found,
  };
  await writeManifest(dir, manifest);
  return summaryOf(manifest);
}

export function summaryOf(m: BundleManifest): BundleSummary {
  return {
    records: Object.fromEntries(Object.entries(m.records).map(([t, r]) => [t, r.count])),
    blobs: m.blobs.length,
    bytes: m.blobs.reduce((sum, b) => sum + b.size, 0),
    schemaVersion: m.schemaVersion,
    skipped: m.skipped,
  };
}
