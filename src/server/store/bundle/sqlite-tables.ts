/** CatalogueTables on a SQLite catalogue file (one connection, migrated on open). */
import { SqliteDatabase } from "../sqlite/database.js";
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

type Row = Record<string, unknown>;

export class SqliteTables implements CatalogueTables {
  readonly engine = "sqlite";
  readonly #db: SqliteDatabase;
  readonly schemaVersion: number;

  constructor(file: string) {
    this.#db = new SqliteDatabase(file);
    this.schemaVersion = this.#db.migrated.version;
  }

  async *#rows(spec: TableSpec): AsyncIterable<PortableRow> {
    let last: Row | undefined;
    for (;;) {
      const page = (
        last
          ? this.#db.stmt(pageQuery(spec, true, () => "?")).all(...spec.key.map((k) => last![k]))
          : this.#db.stmt(pageQuery(spec, false, () => "?")).all()
      ) as Row[];
      for (const row of page) yield toPortable("sqlite", spec, row);
      if (page.length < pageRows(spec)) return;
      last = page[page.length - 1];
    }
  }

  async snapshot<T>(read: (tables: TableReader) => Promise<T>): Promise<T> {
    // A deferred transaction: WAL gives its first read a snapshot that later commits do not change.
    this.#db.stmt("BEGIN").run();
    try {
      return await read({ rows: (spec) => this.#rows(spec) });
    } finally {
      this.#db.stmt("COMMIT").run();
    }
  }

  async firstNonEmpty(): Promise<string | undefined> {
    return BUNDLE_TABLES.find((spec) => this.#db.stmt(`SELECT 1 FROM ${quote(spec.table)} LIMIT 1`).get())
      ?.table;
  }

  async load(write: (tables: TableWriter) => Promise<void>): Promise<void> {
    this.#db.stmt("BEGIN IMMEDIATE").run();
    try {
      await write({
        insert: async (spec, row) => {
          const columns = Object.keys(spec.columns);
          this.#db
            .stmt(
              `INSERT INTO ${quote(spec.table)} (${columns.map(quote).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
            )
            .run(...toParameters("sqlite", spec, row));
        },
      });
      // AUTOINCREMENT ids continue past explicit ones by themselves (sqlite_sequence).
      this.#db.stmt("COMMIT").run();
    } catch (e) {
      this.#db.stmt("ROLLBACK").run();
      throw e;
    }
  }

  async schemaColumns(): Promise<Record<string, string[]>> {
    const tables = this.#db
      .stmt("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as Array<{ name: string }>;
    return Object.fromEntries(
      tables.map(({ name }) => [
        name,
        (this.#db.stmt(`PRAGMA table_info(${quote(name)})`).all() as Array<{ name: string }>).map(
          (c) => c.name,
        ),
      ]),
    );
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
