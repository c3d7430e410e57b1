/**
 * Row values between a database and a bundle (tables.ts ColumnType): SQLite's 0/1 and JSON text and
 * PostgreSQL's booleans and parsed json both become one portable form, so a catalogue exported from
 * either database is the same bundle byte for byte.
 */
import type { ColumnType, PortableRow, TableSpec } from "./tables.js";

export type Engine = "sqlite" | "postgres";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function portableValue(engine: Engine, type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "boolean":
      return engine === "sqlite" ? value === 1 : value === true;
    case "bytes":
      return Buffer.from(value as Uint8Array).toString("base64");
    case "json":
      return engine === "sqlite" ? JSON.parse(value as string) : value;
    default:
      return value;
  }
}

/** A database row (columns by name) as written to a bundle, in the spec's column order. */
export function toPortable(engine: Engine, spec: TableSpec, row: Record<string, unknown>): PortableRow {
  const out: PortableRow = {};
  for (const [column, type] of Object.entries(spec.columns)) {
    try {
      out[column] = portableValue(engine, type, row[column]);
    } catch (e) {
      throw new Error(`${spec.table}.${column}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** A portable row's values as statement parameters, in the spec's column order. */
export function toParameters(engine: Engine, spec: TableSpec, row: PortableRow): unknown[] {
  return Object.entries(spec.columns).map(([column, type]) => {
    const value = row[column];
    if (value === null) return null;
    switch (type) {
      case "boolean":
        return engine === "sqlite" ? (value ? 1 : 0) : value;
      case "bytes":
        return Buffer.from(value as string, "base64");
      case "json":
        return JSON.stringify(value);
      default:
        return value;
    }
  });
}

function typeProblem(type: ColumnType, value: unknown): string | undefined {
  if (value === null) return undefined;
  switch (type) {
    case "text":
      return typeof value === "string" ? undefined : "a string or null";
    case "integer":
      return Number.isSafeInteger(value) ? undefined : "a whole number or null";
    case "boolean":
      return typeof value === "boolean" ? undefined : "true or false";
    case "bytes":
      return typeof value === "string" && BASE64.test(value) ? undefined : "base64 or null";
    case "json":
      return undefined;
  }
}

/** Why a parsed line is not a row of `spec` (wrong shape, missing or extra column, wrong type), or undefined. */
export function rowProblem(spec: TableSpec, row: unknown): string | undefined {
  if (typeof row !== "object" || row === null || Array.isArray(row)) return "not a JSON object";
  const expected = Object.keys(spec.columns);
  const extra = Object.keys(row).filter((k) => !Object.hasOwn(spec.columns, k));
  if (extra.length > 0) return `unknown column ${extra[0]}`;
  for (const column of expected) {
    if (!Object.hasOwn(row, column)) return `no column ${column}`;
    const wanted = typeProblem(spec.columns[column]!, (row as PortableRow)[column]);
    if (wanted) return `${column} must be ${wanted}`;
  }
  return undefined;
}
