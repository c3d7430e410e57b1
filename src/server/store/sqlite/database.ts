/**
 * The one SQLite connection the repositories share (sqlite/*.ts): opened in WAL mode, migrated,
 * with a bounded cache of prepared statements.
 */
import Database from "better-sqlite3";
import { MIGRATIONS, type MigrationResult } from "../migrations.js";

export type Row = Record<string, unknown>;

/**
 * SQLite in WAL mode: one writer, readers never blocked, so `amigate accounts create` can write
 * while `amigate serve` runs on the same file. synchronous=NORMAL in WAL keeps every committed
 * transaction across a process crash (kill -9); only a power loss can drop the last commits.
 */
export class SqliteDatabase {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private dataVersionStmt?: Database.Statement;
  /** What opening did to the schema. */
  readonly migrated: MigrationResult;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    this.migrated = this.migrate();
  }

  private migrate(): MigrationResult {
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    );
    const applied = new Set(
      (this.db.prepare("SELECT version FROM migrations").all() as Row[]).map((r) => r.version as number),
    );
    const now: number[] = [];
    MIGRATIONS.forEach((sql, i) => {
      if (applied.has(i + 1)) return;
      this.transaction(() => {
        this.db.exec(sql);
        this.db.prepare("INSERT INTO migrations VALUES (?, ?)").run(i + 1, new Date().toISOString());
      });
      now.push(i + 1);
    });
    return { version: Math.max(MIGRATIONS.length, ...applied), applied: now };
  }

  stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      // Query shapes vary with list lengths; keep the cache bounded.
      if (this.statements.size > 512) this.statements.clear();
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` in one immediate transaction (nested: a savepoint of the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** True inside a transaction: its writes are not committed yet. */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /** SQLite's data_version: moves when another connection commits. */
  dataVersion(): number {
    this.dataVersionStmt ??= this.db.prepare("PRAGMA data_version").pluck();
    return this.dataVersionStmt.get() as number;
  }

  close(): void {
    this.db.close();
  }
}
