/**
 * Row-level access to a catalogue's tables for export and import, under the repositories: export
 * reads every table in one snapshot; import writes every row in one transaction, ids and times as
 * they were. sqlite-tables.ts and postgres-tables.ts implement it.
 */
import type { Engine } from "./portable.js";
import type { PortableRow, TableSpec } from "./tables.js";

/** Rows are read by primary key in pages of this many (bounded memory for any table). */
export const PAGE_ROWS = 500;

export interface TableReader {
  /** The table's rows in primary key order, as portable rows. */
  rows(spec: TableSpec): AsyncIterable<PortableRow>;
}

export interface TableWriter {
  /** Inserts one portable row as it is (ids included). */
  insert(spec: TableSpec, row: PortableRow): Promise<void>;
}

export interface CatalogueTables {
  readonly engine: Engine;
  /** The schema version after opening (opening brings it up to date). */
  readonly schemaVersion: number;
  /** Runs `read` in one read-only snapshot of the whole catalogue. */
  snapshot<T>(read: (tables: TableReader) => Promise<T>): Promise<T>;
  /** The first exported table that has a row, or undefined when the catalogue is empty. */
  firstNonEmpty(): Promise<string | undefined>;
  /**
   * Runs `write` in one transaction: every row, or (when it throws) none. Identity sequences are
   * moved past the imported ids before it commits.
   */
  load(write: (tables: TableWriter) => Promise<void>): Promise<void>;
  /** Every table of the schema with its columns (the bundle's coverage test). */
  schemaColumns(): Promise<Record<string, string[]>>;
  close(): Promise<void>;
}

/** `SELECT … WHERE (key) > (after) ORDER BY key LIMIT n` with `?` or `$n` placeholders. */
export function pageQuery(spec: TableSpec, after: boolean, placeholder: (i: number) => string): string {
  const columns = Object.keys(spec.columns).map(quote).join(", ");
  const key = spec.key.map(quote).join(", ");
  const where = after ? ` WHERE (${key}) > (${spec.key.map((_, i) => placeholder(i + 1)).join(", ")})` : "";
  return `SELECT ${columns} FROM ${quote(spec.table)}${where} ORDER BY ${key} LIMIT ${pageRows(spec)}`;
}

export const pageRows = (spec: TableSpec) => spec.pageRows ?? PAGE_ROWS;

/** Identifiers come from tables.ts, never from a bundle; quoted because `key` and `value` are words. */
export const quote = (identifier: string) => `"${identifier}"`;
