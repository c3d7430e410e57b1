/**
 * `--database`: which store the catalogue's commands open. A postgres:// URL is PostgreSQL (15+);
 * anything else is a SQLite file; nothing given is the data dir's catalogue.db (the default, with
 * nothing to install). secret.key stays in the data dir either way: every node needs the same one.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { ServerSetupError } from "./errors.js";
import { PgBossQueue } from "./queue/pg-boss-queue.js";
import type { MigrationResult } from "./store/migrations.js";
import { PostgresDatabase, redactedUrl } from "./store/postgres/database.js";
import { PostgresStore } from "./store/postgres.js";
import { SecretBox } from "./store/secret-box.js";
import { SqliteDatabase } from "./store/sqlite/database.js";
import { SqliteStore } from "./store/sqlite.js";
import type { Store } from "./store/types.js";

export type Database = { kind: "postgres"; url: string } | { kind: "sqlite"; file: string };

export function isPostgresUrl(text: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(text);
}

export function databaseOf(dataDir: string, database?: string): Database {
  if (database !== undefined && isPostgresUrl(database)) return { kind: "postgres", url: database };
  return { kind: "sqlite", file: path.resolve(database ?? path.join(dataDir, "catalogue.db")) };
}

/** For messages: "PostgreSQL postgres://user@host/db" (never the password) or "SQLite /path". */
export function describeDatabase(db: Database): string {
  return db.kind === "postgres" ? `PostgreSQL ${redactedUrl(db.url)}` : `SQLite ${db.file}`;
}

/** Opens (creating the data dir and its secret.key when new) the store and brings its schema up to date. */
export async function openDatabase(dataDir: string, database?: string): Promise<Store> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(dataDir, "secret.key");
  const secrets = SecretBox.open(keyFile);
  const db = databaseOf(dataDir, database);
  const store =
    db.kind === "postgres"
      ? await PostgresStore.open(db.url, secrets)
      : new SqliteStore(dataDir, secrets, db.file);
  // A node given its own new secret.key would fail every signature; say so at start instead.
  if (!(await store.secretKeyFits())) {
    await store.close();
    throw new ServerSetupError(
      `${keyFile} is not the key the access keys in ${describeDatabase(db)} were sealed with: every node of a catalogue needs the same secret.key (copy it from the node that created the catalogue)`,
    );
  }
  return store;
}

/** Brings the schema up to date without opening the rest of the store (`amigate migrate`). */
export async function migrateDatabase(dataDir: string, database?: string): Promise<MigrationResult> {
  const db = databaseOf(dataDir, database);
  if (db.kind === "postgres") {
    const { db: pg, migrated } = await PostgresDatabase.open(db.url);
    await pg.close();
    // The job queue's tables (pg-boss's own schema and versions) come with the catalogue's.
    await PgBossQueue.install(db.url);
    return migrated;
  }
  mkdirSync(path.dirname(db.file), { recursive: true, mode: 0o700 });
  const sqlite = new SqliteDatabase(db.file);
  sqlite.close();
  return sqlite.migrated;
}
