import Database from "better-sqlite3";

/**
 * The local vulnerability database. One advisory row per OSV/ALAS id; one `affected` row per
 * (advisory, ecosystem release, package) with its ranges as JSON; `imports` records every import.
 * Migrations are applied in order and recorded in PRAGMA user_version.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE advisories (
     id TEXT PRIMARY KEY,
     source TEXT NOT NULL,
     modified TEXT,
     published TEXT,
     withdrawn TEXT,
     summary TEXT,
     severity TEXT,
     aliases TEXT NOT NULL
   );
   CREATE TABLE affected (
     advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
     ecosystem TEXT NOT NULL,
     release TEXT NOT NULL,
     package TEXT NOT NULL,
     ranges TEXT NOT NULL,
     versions TEXT NOT NULL
   );
   CREATE INDEX affected_lookup ON affected(ecosystem, release, package);
   CREATE INDEX affected_advisory ON affected(advisory_id);
   CREATE TABLE imports (
     id INTEGER PRIMARY KEY,
     source TEXT NOT NULL,
     kind TEXT NOT NULL,
     imported_at TEXT NOT NULL,
     records INTEGER NOT NULL,
     skipped INTEGER NOT NULL,
     newest_modified TEXT
   );`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export type VulnDb = Database.Database;

export function openVulnDb(path: string, options: { readonly?: boolean } = {}): VulnDb {
  const db = new Database(path, {
    readonly: options.readonly ?? false,
    fileMustExist: options.readonly ?? false,
  });
  if (!options.readonly) {
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    migrate(db);
  } else {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version !== SCHEMA_VERSION) {
      db.close();
      throw new Error(
        `${path}: vulnerability database schema ${version}, this amigate reads ${SCHEMA_VERSION}; run amigate db import again`,
      );
    }
  }
  return db;
}

function migrate(db: VulnDb): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
