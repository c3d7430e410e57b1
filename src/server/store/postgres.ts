/**
 * The catalogue on PostgreSQL: one repository per record kind (store/postgres/) over one pg.Pool,
 * put together as the Store the API layer talks to, with the same semantics as the SQLite store
 * (the contract suite, test/support/store-contract.ts, runs against both). Writes commit with the
 * call's audit entry (PostgresAuditLog.write). Nothing is cached in the process: any number of API
 * nodes can share the database.
 */
import { ComposedStore } from "./composed-store.js";
import type { MigrationResult } from "./migrations.js";
import { PostgresAccounts } from "./postgres/accounts.js";
import { PostgresAttestations } from "./postgres/attestations.js";
import { PostgresAuditLog } from "./postgres/audit.js";
import { PostgresBlobRecords } from "./postgres/blob-records.js";
import { PostgresDatabase } from "./postgres/database.js";
import { PostgresImages } from "./postgres/images.js";
import { PostgresListings } from "./postgres/listings.js";
import { PostgresPermissions } from "./postgres/permissions.js";
import { PostgresPublishers } from "./postgres/publishers.js";
import { PostgresScans } from "./postgres/scans.js";
import { PostgresSessions } from "./postgres/sessions.js";
import { PostgresSettings } from "./postgres/settings.js";
import { PostgresTags } from "./postgres/tags.js";
import { PostgresUploadSessions } from "./postgres/upload-sessions.js";
import type { SecretBox } from "./secret-box.js";

export class PostgresStore extends ComposedStore {
  readonly #db: PostgresDatabase;
  readonly #log: PostgresAuditLog;
  /** What opening did to the schema. */
  readonly migrated: MigrationResult;

  private constructor(db: PostgresDatabase, migrated: MigrationResult, secrets: SecretBox) {
    const log = new PostgresAuditLog(db);
    const tags = new PostgresTags(db, log);
    super({
      accounts: new PostgresAccounts(db, secrets, log),
      images: new PostgresImages(db, log, tags),
      permissions: new PostgresPermissions(db, log),
      tags,
      blobs: new PostgresBlobRecords(db, log),
      scans: new PostgresScans(db),
      settings: new PostgresSettings(db, log),
      listings: new PostgresListings(db, log),
      attestations: new PostgresAttestations(db, log),
      publishers: new PostgresPublishers(db, log),
      sessions: new PostgresSessions(db, log),
      uploads: new PostgresUploadSessions(db),
      log,
    });
    this.#db = db;
    this.#log = log;
    this.migrated = migrated;
  }

  /** Connects to `url` (postgres://…) and brings the schema up to date. */
  static async open(url: string, secrets: SecretBox): Promise<PostgresStore> {
    const { db, migrated } = await PostgresDatabase.open(url);
    return new PostgresStore(db, migrated, secrets);
  }

  async close(): Promise<void> {
    await this.#log.flush();
    await this.#db.close();
  }
}
