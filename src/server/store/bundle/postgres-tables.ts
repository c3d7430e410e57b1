/** CatalogueTables on a PostgreSQL catalogue (its own pool, migrated on open). */
import { PostgresDatabase, type Sql } from "../postgres/database.js";
import { toParameters, toPortable } from "./portable.js";
import {
  type CatalogueTables,
  pageQuery,
  pageRows,
  quote,
  type TableReader,
  type TableWriter,
} from "./table-access.js";
import { BUNDLE_TABLES, type PortableRow, type TableSpec } from "./tables.js";

/** Rows per INSERT: few round trips, well under PostgreSQL's 65 535 parameters. */
const INSERT_ROWS = 200;

async function* pagedRows(sql: Sql, spec: TableSpec): AsyncIterable<PortableRow> {
  let last: Record<string, unknown> | undefined;
  for (;;) {
    const page = last
      ? await sql.rows(
          pageQuery(spec, true, (i) => `$${i}`),
          spec.key.map((k) => last![k]),
        )
      : await sql.rows(pageQuery(spec, false, (i) => `$${i}`));
    for (const row of page) yield toPortable("postgres", spec, row);
    if (page.length < pageRows(spec)) return;
    last = page[page.length - 1];
  }
}

/** Buffers rows of one table and inserts them INSERT_ROWS at a time. */
class BatchedInserts implements TableWriter {
  #spec: TableSpec | undefined;
  #rows: PortableRow[] = [];

  constructor(private readonly tx: Sql) {}

  async insert(spec: TableSpec, row: PortableRow): Promise<void> {
    if (this.#spec !== spec) await this.flush();
    this.#spec = spec;
    this.#rows.push(row);
    if (this.#rows.length >= INSERT_ROWS) await this.flush();
  }

  async flush(): Promise<void> {
    const spec = this.#spec;
    if (!spec || this.#rows.length === 0) return;
    const columns = Object.keys(spec.columns);
    const params = this.#rows.flatMap((row) => toParameters("postgres", spec, row));
    const values = this.#rows.map(
      (_, r) => `(${columns.map((_c, c) => `$${r * columns.length + c + 1}`).join(", ")})`,
    );
    this.#rows = [];
    // Ids are kept as exported, also in GENERATED ALWAYS columns.
    await this.tx.run(
      `INSERT INTO ${quote(spec.table)} (${columns.map(quote).join(", ")})${spec.identity ? " OVERRIDING SYSTEM VALUE" : ""} VALUES ${values.join(", ")}`,
      params,
    );
  }
}

export class PostgresTables implements CatalogueTables {
  readonly engine = "postgres";

  readonly #db: PostgresDatabase;

  private constructor(
    db: PostgresDatabase,
    readonly schemaVersion: number,
  ) {
    this.#db = db;
  }

  static async open(url: string): Promise<PostgresTables> {
    const { db, migrated } = await PostgresDatabase.open(url);
    return new PostgresTables(db, migrated.version);
  }

  snapshot<T>(read: (tables: TableReader) => Promise<T>): Promise<T> {
    return this.#db.transaction(async (tx) => {
      await tx.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      return read({ rows: (spec) => pagedRows(tx, spec) });
    });
  }

  async firstNonEmpty(): Promise<string | undefined> {
    for (const spec of BUNDLE_TABLES)
      if (await this.#db.row(`SELECT 1 FROM ${quote(spec.table)} LIMIT 1`)) return spec.table;
    return undefined;
  }

  load(write: (tables: TableWriter) => Promise<void>): Promise<void> {
    return this.#db.transaction(async (tx) => {
      const inserts = new BatchedInserts(tx);
      await write(inserts);
      await inserts.flush();
      for (const spec of BUNDLE_TABLES) {
        if (!spec.identity) continue;
        const id = quote(spec.identity);
        await tx.run(
          `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(max(${id}), 1), max(${id}) IS NOT NULL) FROM ${quote(spec.table)}`,
          [spec.table, spec.identity],
        );
      }
    });
  }

  async schemaColumns(): Promise<Record<string, string[]>> {
    const rows = await this.#db.rows(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
    );
    const out: Record<string, string[]> = {};
    for (const r of rows) {
      const table = r.table_name as string;
      out[table] = [...(out[table] ?? []), r.column_name as string];
    }
    return out;
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}
