/**
 * Loads a catalogue bundle into an empty catalogue, checking before it writes: the manifest, every
 * records file (each line a row of its table, the row count and SHA-256 the manifest gives), that
 * the target's secret.key opens every sealed access key, and every blob's SHA-256 against its name
 * and the manifest while it is copied into the blob store. Only then are the rows written, all in
 * one transaction, with their ids, owners and times as exported: an import that fails leaves no
 * rows at all (copied blobs are content-addressed and harmless).
 */
import { createReadStream, promises as fsp } from "node:fs";
import path from "node:path";
import { BlobDigestError } from "../blob-verify.js";
import type { SecretBox } from "../secret-box.js";
import type { BlobStore } from "../types.js";
import { type BundleSummary, summaryOf } from "./export.js";
import { readJsonLines } from "./jsonl.js";
import { BundleError, type BundleManifest, blobFile, readManifest } from "./manifest.js";
import { rowProblem } from "./portable.js";
import type { CatalogueTables } from "./table-access.js";
import { BUNDLE_TABLES, type PortableRow, type TableSpec } from "./tables.js";

export interface ImportTarget {
  tables: CatalogueTables;
  blobs: BlobStore;
  /** For messages: "SQLite /path" or "PostgreSQL postgres://…". */
  name: string;
  /** The target data dir's key, undefined when it has no secret.key yet. */
  secrets: SecretBox | undefined;
  keyFile: string;
}

/** Reads one records file, checking every row, then its count and digest against the manifest. */
async function readRecords(
  dir: string,
  manifest: BundleManifest,
  spec: TableSpec,
  onRow: (row: PortableRow, line: number, shown: string) => Promise<void>,
): Promise<void> {
  const entry = manifest.records[spec.table]!;
  const file = path.join(dir, entry.file);
  let end: { sha256: string; lines: number } | undefined;
  try {
    for await (const { line, value } of readJsonLines(file, file, (e) => {
      end = e;
    })) {
      const problem = rowProblem(spec, value);
      if (problem) throw new BundleError(`${file} line ${line}: not a row of ${spec.table}: ${problem}`);
      await onRow(value as PortableRow, line, `${file} line ${line}`);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new BundleError(`${file}: missing`);
    throw e;
  }
  if (end!.lines !== entry.count)
    throw new BundleError(`${file}: ${end!.lines} rows, the manifest says ${entry.count}`);
  if (end!.sha256 !== entry.sha256)
    throw new BundleError(`${file}: SHA-256 ${end!.sha256} differs from the manifest's ${entry.sha256}`);
}

/** The first pass: everything that can be checked without writing. */
async function checkRecords(dir: string, manifest: BundleManifest, target: ImportTarget): Promise<void> {
  const listed = new Map(manifest.blobs.map((b) => [b.sha256, b.size]));
  let recordedBlobs = 0;
  for (const spec of BUNDLE_TABLES) {
    await readRecords(dir, manifest, spec, async (row, _line, at) => {
      if (spec.table === "blobs") {
        recordedBlobs++;
        if (listed.get(row.sha256 as string) !== row.size)
          throw new BundleError(
            `${at}: blob ${String(row.sha256)} of ${String(row.size)} bytes is not in the manifest`,
          );
      }
      if (spec.table === "access_keys") {
        if (!target.secrets)
          throw new BundleError(
            `${target.keyFile} does not exist: the bundle's access keys are sealed with the source catalogue's secret.key, which a bundle never holds; copy that file there first`,
          );
        try {
          target.secrets.open(
            Buffer.from(row.secret_sealed as string, "base64"),
            row.access_key_id as string,
          );
        } catch {
          throw new BundleError(
            `${at}: ${target.keyFile} does not open access key ${String(row.access_key_id)}: copy the source catalogue's secret.key there first`,
          );
        }
      }
    });
  }
  if (recordedBlobs !== manifest.blobs.length)
    throw new BundleError(
      `${path.join(dir, "manifest.json")}: lists ${manifest.blobs.length} blobs, the blobs records ${recordedBlobs}`,
    );
}

async function copyBlobs(dir: string, manifest: BundleManifest, blobs: BlobStore): Promise<void> {
  for (const blob of manifest.blobs) {
    const file = path.join(dir, blobFile(blob.sha256));
    try {
      await fsp.access(file);
    } catch {
      throw new BundleError(`${file}: missing (the manifest lists it)`);
    }
    let stored: { sha256: string; size: number };
    try {
      stored = await blobs.put(createReadStream(file), blob.sha256);
    } catch (e) {
      if (e instanceof BlobDigestError)
        throw new BundleError(`${file}: its content's SHA-256 is not its name (damaged or altered)`);
      throw e;
    }
    if (stored.size !== blob.size)
      throw new BundleError(`${file}: ${stored.size} bytes, the manifest says ${blob.size}`);
  }
}

export async function importBundle(dir: string, target: ImportTarget): Promise<BundleSummary> {
  const manifest = await readManifest(dir);
  if (manifest.schemaVersion !== target.tables.schemaVersion)
    throw new BundleError(
      `${dir}: its rows follow schema version ${manifest.schemaVersion} (amigate ${manifest.amigateVersion}), ${target.name} is at ${target.tables.schemaVersion}: import with the same amigate version that exported it`,
    );
  const taken = await target.tables.firstNonEmpty();
  if (taken !== undefined)
    throw new BundleError(
      `${target.name} is not empty (${taken} has rows): import only into a new catalogue, before its first serve`,
    );
  await checkRecords(dir, manifest, target);
  await copyBlobs(dir, manifest, target.blobs);
  try {
    await target.tables.load(async (writer) => {
      for (const spec of BUNDLE_TABLES)
        await readRecords(dir, manifest, spec, (row) => writer.insert(spec, row));
    });
  } catch (e) {
    if (e instanceof BundleError) throw e;
    // A constraint the checks above cannot see (a duplicate key, a row whose parent is missing).
    const detail = (e as { detail?: string }).detail;
    throw new BundleError(
      `${target.name}: writing the bundle's rows failed, none were kept: ${(e as Error).message}${detail ? ` (${detail})` : ""}`,
    );
  }
  return summaryOf(manifest);
}
