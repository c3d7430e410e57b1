/**
 * The catalogue on SQLite: one repository per record kind (store/sqlite/) over one connection,
 * put together as the Store the API layer talks to. Writes commit with the call's audit entry
 * (SqliteAuditLog.write); images and launch permissions share one ImageCache.
 */
import path from "node:path";
import { ComposedStore } from "./composed-store.js";
import { ImageCache } from "./image-cache.js";
import type { MigrationResult } from "./migrations.js";
import type { SecretBox } from "./secret-box.js";
import { SqliteAccounts } from "./sqlite/accounts.js";
import { SqliteAttestations } from "./sqlite/attestations.js";
import { SqliteAuditLog } from "./sqlite/audit.js";
import { SqliteBlobRecords } from "./sqlite/blob-records.js";
import { SqliteDatabase } from "./sqlite/database.js";
import { SqliteImages } from "./sqlite/images.js";
import { SqliteListings } from "./sqlite/listings.js";
import { SqlitePermissions } from "./sqlite/permissions.js";
import { SqlitePublishers } from "./sqlite/publishers.js";
import { SqliteScans } from "./sqlite/scans.js";
import { SqliteSessions } from "./sqlite/sessions.js";
import { SqliteSettings } from "./sqlite/settings.js";
import { SqliteTags } from "./sqlite/tags.js";
import { SqliteUploadSessions } from "./sqlite/upload-sessions.js";

export { permissionKey } from "./sqlite/permissions.js";

export class SqliteStore extends ComposedStore {
  readonly #db: SqliteDatabase;
  readonly #log: SqliteAuditLog;

  /** `file`: the database, `<dataDir>/catalogue.db` unless `--database` names another. */
  constructor(dataDir: string, secrets: SecretBox, file = path.join(dataDir, "catalogue.db")) {
    const db = new SqliteDatabase(file);
    const log = new SqliteAuditLog(db);
    const cache = new ImageCache(Number(process.env.AMIGATE_IMAGE_CACHE ?? 50_000), () => db.dataVersion());
    const tags = new SqliteTags(db, log);
    super({
      accounts: new SqliteAccounts(db, secrets, log),
      images: new SqliteImages(db, log, cache, tags),
      permissions: new SqlitePermissions(db, log, cache),
      tags,
      blobs: new SqliteBlobRecords(db, log),
      scans: new SqliteScans(db),
      settings: new SqliteSettings(db, log),
      listings: new SqliteListings(db, log),
      attestations: new SqliteAttestations(db, log),
      publishers: new SqlitePublishers(db, log),
      sessions: new SqliteSessions(db, log),
      uploads: new SqliteUploadSessions(db),
      log,
    });
    this.#db = db;
    this.#log = log;
  }

  /** What opening did to the schema. */
  get migrated(): MigrationResult {
    return this.#db.migrated;
  }

  /** Runs many store calls in one transaction (seeding, benchmarks); the calls' bodies are synchronous. */
  bulk(fn: () => void): void {
    this.#db.transaction(fn);
  }

  async close(): Promise<void> {
    this.#log.flush();
    this.#db.close();
  }
}
