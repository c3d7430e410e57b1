/**
 * The pg.Pool the PostgreSQL repositories (postgres/*.ts) share: queries on any connection,
 * transactions on one, and the schema migrations (postgres/migrations.ts) applied at open.
 */
import pg from "pg";
import { ServerSetupError } from "../../errors.js";
import type { MigrationResult } from "../migrations.js";
import { PG_MIGRATIONS } from "./migrations.js";

export type Row = Record<string, unknown>;

/** Runs statements: on the pool (each on any connection) or inside one transaction. */
export interface Sql {
  rows(text: string, params?: readonly unknown[]): Promise<Row[]>;
  row(text: string, params?: readonly unknown[]): Promise<Row | undefined>;
  /** The number of rows the statement changed. */
  run(text: string, params?: readonly unknown[]): Promise<number>;
}

class Executor implements Sql {
  constructor(private readonly target: pg.Pool | pg.PoolClient) {}
  async rows(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.target.query(text, params as unknown[])).rows as Row[];
  }
  async row(text: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    return (await this.rows(text, params))[0];
  }
  async run(text: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.target.query(text, params as unknown[])).rowCount ?? 0;
  }
}

/** bigint columns (blob sizes, counts) as numbers: every value we keep is below 2^53. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 && format !== "binary"
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
};

/** Serialization failures and deadlocks: the transaction is rolled back whole and may run again. */
const RETRYABLE = new Set(["40001", "40P01"]);

/** Two nodes starting at once take turns migrating (pg_advisory_xact_lock key: "amig"). */
const MIGRATION_LOCK = 0x616d6967;

/** The URL with its password left out, for messages. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

export class PostgresDatabase implements Sql {
  private readonly pool: pg.Pool;
  private readonly sql: Executor;

  private constructor(url: string, max: number) {
    this.pool = new pg.Pool({ connectionString: url, max, types });
    // A connection dropped while idle (server restart, network): the pool replaces it on next use;
    // without a listener the 'error' event would end the process.
    this.pool.on("error", (err) => {
      process.stderr.write(`amigate: database connection lost: ${err.message}\n`);
    });
    this.sql = new Executor(this.pool);
  }

  /**
   * Connects and brings the schema up to date. `AMIGATE_DATABASE_POOL` (default 10) bounds this
   * process's connections.
   */
  static async open(url: string): Promise<{ db: PostgresDatabase; migrated: MigrationResult }> {
    const db = new PostgresDatabase(url, Number(process.env.AMIGATE_DATABASE_POOL) || 10);
    try {
      return { db, migrated: await db.migrate() };
    } catch (e) {
      await db.close();
      if (e instanceof ServerSetupError) throw e;
      throw new ServerSetupError(`database ${redactedUrl(url)}: ${(e as Error).message}`);
    }
  }

  rows(text: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.sql.rows(text, params);
  }
  row(text: string, params?: readonly unknown[]): Promise<Row | undefined> {
    return this.sql.row(text, params);
  }
  run(text: string, params?: readonly unknown[]): Promise<number> {
    return this.sql.run(text, params);
  }

  /** Runs `fn` in one transaction on one connection (READ COMMITTED; writers lock the rows they read). */
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        const result = await fn(new Executor(client));
        await client.query("COMMIT");
        return result;
      } catch (e) {
        try {
          await client.query("ROLLBACK");
        } catch {
          broken = true; // the connection is unusable: do not return it to the pool
        }
        const code = (e as { code?: string }).code;
        if (attempt < 3 && code !== undefined && RETRYABLE.has(code)) continue;
        throw e;
      } finally {
        client.release(broken);
      }
    }
  }

  /** Applies pending migrations in one transaction; a schema newer than this program is refused. */
  async migrate(): Promise<MigrationResult> {
    return this.transaction(async (tx) => {
      await tx.run("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      await tx.run(
        "CREATE TABLE IF NOT EXISTS migrations (version integer PRIMARY KEY, applied_at text NOT NULL)",
      );
      const done = new Set((await tx.rows("SELECT version FROM migrations")).map((r) => r.version as number));
      const newest = Math.max(0, ...done);
      if (newest > PG_MIGRATIONS.length)
        throw new ServerSetupError(
          `the database's schema is version ${newest}, newer than this amigate knows (${PG_MIGRATIONS.length}): upgrade amigate`,
        );
      const applied: number[] = [];
      for (const [i, sql] of PG_MIGRATIONS.entries()) {
        if (done.has(i + 1)) continue;
        await tx.run(sql);
        await tx.run("INSERT INTO migrations VALUES ($1, $2)", [i + 1, new Date().toISOString()]);
        applied.push(i + 1);
      }
      return { version: Math.max(newest, PG_MIGRATIONS.length), applied };
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
