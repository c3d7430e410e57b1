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

/**
 * Names for statements, so each connection parses and plans a statement once and then only binds
 * it: at 1 M images planning DescribeImages' statements took longer than running them (1.4 ms of
 * bind against 0.3 ms of execute, by the server log). Only statements with parameters (their text
 * does not carry values); at most MAX_NAMED texts per process, so statements built with a varying
 * number of rows (batched inserts) cannot grow every connection's cache without end.
 * `AMIGATE_DATABASE_PREPARE=0` turns it off (a pooler in transaction mode without
 * prepared-statement support, e.g. PgBouncer before 1.21).
 */
export class StatementNames {
  readonly #names = new Map<string, string>();
  /** Texts whose cached plan went stale under a schema change (see below): run unnamed from then on. */
  readonly #unnamed = new Set<string>();
  readonly #staleErrors = new WeakSet<object>();

  constructor(
    private readonly enabled = process.env.AMIGATE_DATABASE_PREPARE !== "0",
    private readonly max = 500,
  ) {}

  nameOf(text: string, params: readonly unknown[]): string | undefined {
    if (!this.enabled || params.length === 0 || this.#unnamed.has(text)) return undefined;
    const known = this.#names.get(text);
    if (known !== undefined || this.#names.size >= this.max) return known;
    const name = `amigate_${this.#names.size + 1}`;
    this.#names.set(text, name);
    return name;
  }

  /** A named statement failed: true when running it unnamed may succeed (and it will be from now on). */
  stale(text: string, e: unknown): boolean {
    // Another node's migration changed a table a `SELECT *` statement reads: PostgreSQL refuses
    // to reuse the plan ("cached plan must not change result type", 0A000) on this connection.
    const code = (e as { code?: string }).code;
    if (code !== "0A000" || !this.#names.has(text)) return false;
    this.#names.delete(text);
    this.#unnamed.add(text);
    if (typeof e === "object" && e !== null) this.#staleErrors.add(e);
    return true;
  }

  /** Whether `e` was a stale plan: a transaction it ended may run again (its statements unnamed now). */
  endedByStalePlan(e: unknown): boolean {
    return typeof e === "object" && e !== null && this.#staleErrors.has(e);
  }
}

class Executor implements Sql {
  constructor(
    private readonly target: pg.Pool | pg.PoolClient,
    private readonly names: StatementNames,
    /** In a transaction a failed statement aborts it: the transaction runs again instead. */
    private readonly inTransaction = false,
  ) {}
  async #query(text: string, params: readonly unknown[]): Promise<pg.QueryResult> {
    const values = params as unknown[];
    const name = this.names.nameOf(text, params);
    if (name === undefined) return this.target.query(text, values);
    try {
      return await this.target.query({ name, text, values });
    } catch (e) {
      if (!this.names.stale(text, e) || this.inTransaction) throw e;
      return this.target.query(text, values);
    }
  }
  async rows(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.#query(text, params)).rows as Row[];
  }
  async row(text: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    return (await this.rows(text, params))[0];
  }
  async run(text: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.#query(text, params)).rowCount ?? 0;
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
  private readonly names = new StatementNames();

  private constructor(url: string, max: number) {
    // Connections stay open once made (min = max): a new one is a new server process whose first
    // statements run with cold caches (40 ms for DescribeImages' first page against 2 ms warm),
    // which the default 10 s idle timeout made every lull pay again.
    // Idle ones do not keep the process alive (allowExitOnIdle): a CLI command ends when its work does.
    this.pool = new pg.Pool({ connectionString: url, max, min: max, allowExitOnIdle: true, types });
    // A connection dropped while idle (server restart, network): the pool replaces it on next use;
    // without a listener the 'error' event would end the process.
    this.pool.on("error", (err) => {
      process.stderr.write(`amigate: database connection lost: ${err.message}\n`);
    });
    this.sql = new Executor(this.pool, this.names);
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
        const result = await fn(new Executor(client, this.names, true));
        await client.query("COMMIT");
        return result;
      } catch (e) {
        try {
          await client.query("ROLLBACK");
        } catch {
          broken = true; // the connection is unusable: do not return it to the pool
        }
        const code = (e as { code?: string }).code;
        if (attempt < 3 && ((code !== undefined && RETRYABLE.has(code)) || this.names.endedByStalePlan(e)))
          continue;
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
