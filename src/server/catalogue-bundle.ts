/**
 * `amigate export` / `amigate import`: a whole catalogue (the database `--database` names, the
 * blob store `--blobs` names) to and from a bundle folder (store/bundle/), so a catalogue moves
 * between SQLite + a local folder and PostgreSQL + S3 either way with every digest checked.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { databaseOf, describeDatabase, migrateDatabase } from "./database.js";
import { ServerSetupError } from "./errors.js";
import { type BundleSummary, exportBundle } from "./store/bundle/export.js";
import { importBundle } from "./store/bundle/import.js";
import type { CatalogueTables } from "./store/bundle/table-access.js";
import { openBlobStore } from "./store/open-blobs.js";
import type { S3Location } from "./store/s3-location.js";
import { SecretBox } from "./store/secret-box.js";

export type { BundleSummary } from "./store/bundle/export.js";
export { BundleError } from "./store/bundle/manifest.js";

export interface CatalogueLocation {
  dataDir: string;
  /** `--database`: a postgres:// URL or a SQLite file (default <dataDir>/catalogue.db). */
  database?: string;
  /** `--blobs`: an object store, or (undefined) <dataDir>/blobs. */
  blobs?: S3Location;
}

async function openTables(at: CatalogueLocation): Promise<CatalogueTables> {
  const db = databaseOf(at.dataDir, at.database);
  if (db.kind === "postgres") {
    const { PostgresTables } = await import("./store/bundle/postgres-tables.js");
    return PostgresTables.open(db.url);
  }
  const { SqliteTables } = await import("./store/bundle/sqlite-tables.js");
  return new SqliteTables(db.file);
}

/** Writes the catalogue at `from` into the new bundle folder `dir`. */
export async function exportCatalogue(
  dir: string,
  from: CatalogueLocation,
): Promise<BundleSummary & { source: string }> {
  const db = databaseOf(from.dataDir, from.database);
  // Opening a SQLite file that is not there would make an empty catalogue and export nothing.
  if (db.kind === "sqlite" && !existsSync(db.file))
    throw new ServerSetupError(`no catalogue at ${db.file} (give --data-dir or --database)`);
  const tables = await openTables(from);
  try {
    const blobs = await openBlobStore(from.blobs, from.dataDir, path.join(from.dataDir, "tmp"));
    return { ...(await exportBundle(path.resolve(dir), tables, blobs)), source: describeDatabase(db) };
  } finally {
    await tables.close();
  }
}

/**
 * Loads the bundle `dir` into the new, empty catalogue at `to` (created and migrated here). Its
 * data dir must already hold the source's secret.key when the bundle has access keys.
 */
export async function importCatalogue(
  dir: string,
  to: CatalogueLocation,
): Promise<BundleSummary & { target: string }> {
  mkdirSync(to.dataDir, { recursive: true, mode: 0o700 });
  const db = databaseOf(to.dataDir, to.database);
  await migrateDatabase(to.dataDir, to.database);
  const keyFile = path.join(to.dataDir, "secret.key");
  const tables = await openTables(to);
  try {
    const summary = await importBundle(path.resolve(dir), {
      tables,
      blobs: await openBlobStore(to.blobs, to.dataDir, path.join(to.dataDir, "tmp")),
      name: describeDatabase(db),
      secrets: existsSync(keyFile) ? SecretBox.open(keyFile) : undefined,
      keyFile,
    });
    return { ...summary, target: describeDatabase(db) };
  } finally {
    await tables.close();
  }
}
