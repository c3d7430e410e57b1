/**
 * What a catalogue bundle (`amigate export`/`import`) holds: every table of the catalogue's schema
 * (store/migrations.ts, postgres/migrations.ts) as one JSON Lines file of portable rows, in the
 * order that satisfies the foreign keys, or named below as deliberately left out. The bundle test
 * compares this list with the tables and columns both databases really have, so a migration that
 * adds a table or column fails it until the bundle carries it.
 */

/** How a column's value is written in a bundle, whichever database it came from. */
export type ColumnType =
  /** A string or null. */
  | "text"
  /** A safe integer or null. */
  | "integer"
  /** true/false (SQLite keeps 0/1). */
  | "boolean"
  /** base64, or null (SQLite BLOB, PostgreSQL bytea). */
  | "bytes"
  /** The parsed JSON value (SQLite keeps its text, PostgreSQL a json column). */
  | "json";

export interface TableSpec {
  /** The table, also the record kind: records/<table>.jsonl. */
  table: string;
  /** Columns in the order rows are written. */
  columns: Readonly<Record<string, ColumnType>>;
  /** The primary key: rows are written in its order (byte order on both databases). */
  key: readonly string[];
  /** A generated id column whose sequence must continue after the imported rows (PostgreSQL). */
  identity?: string;
  /** Rows read per page when exporting, if not PAGE_ROWS (large rows: fewer, for bounded memory). */
  pageRows?: number;
}

/** Every exported table, parents before children. */
export const BUNDLE_TABLES: readonly TableSpec[] = [
  {
    table: "accounts",
    columns: {
      account_id: "text",
      alias: "text",
      admin: "boolean",
      created_at: "text",
      organization_id: "text",
      ou_path: "text",
    },
    key: ["account_id"],
  },
  {
    table: "access_keys",
    // Secrets stay sealed with the data dir's secret.key, which the bundle never holds.
    columns: { access_key_id: "text", account_id: "text", secret_sealed: "bytes", created_at: "text" },
    key: ["access_key_id"],
  },
  {
    table: "blobs",
    columns: { sha256: "text", size: "integer", uploaded_by: "text", uploaded_at: "text" },
    key: ["sha256"],
  },
  {
    table: "blob_uploaders",
    columns: { sha256: "text", account_id: "text", uploaded_at: "text" },
    key: ["sha256", "account_id"],
  },
  {
    table: "images",
    columns: {
      image_id: "text",
      owner_id: "text",
      name: "text",
      is_public: "boolean",
      blob_sha256: "text",
      doc: "json",
      deprecation_time: "text",
      disabled: "boolean",
    },
    key: ["image_id"],
  },
  {
    table: "launch_permissions",
    columns: { image_id: "text", kind: "text", value: "text", seq: "integer" },
    key: ["image_id", "kind", "value"],
  },
  {
    table: "tags",
    columns: { account_id: "text", resource_id: "text", key: "text", value: "text" },
    key: ["account_id", "resource_id", "key"],
  },
  {
    table: "scans",
    columns: {
      scan_id: "integer",
      image_id: "text",
      status: "text",
      started_at: "text",
      finished_at: "text",
      report: "text",
      error: "text",
      facts: "bytes",
      judged_at: "text",
      pending_mark: "text",
    },
    key: ["scan_id"],
    identity: "scan_id",
    // A report and a facts snapshot can each be a few hundred KiB.
    pageRows: 50,
  },
  {
    table: "account_settings",
    columns: { account_id: "text", block_public_access: "boolean" },
    key: ["account_id"],
  },
  {
    table: "audit_log",
    columns: {
      id: "integer",
      at: "text",
      account_id: "text",
      access_key_id: "text",
      action: "text",
      resource: "text",
      detail: "text",
      source_ip: "text",
      outcome: "text",
    },
    key: ["id"],
    identity: "id",
  },
  {
    table: "publishers",
    columns: { account_id: "text", url: "text", updated_at: "text" },
    key: ["account_id"],
  },
  {
    table: "listings",
    columns: {
      image_id: "text",
      owner_id: "text",
      product: "text",
      doc: "json",
      updated_at: "text",
      updated_by: "text",
      published_at: "text",
    },
    key: ["image_id"],
  },
  {
    table: "attestations",
    columns: {
      image_id: "text",
      item_id: "text",
      answer: "text",
      comment: "text",
      answered_by: "text",
      answered_at: "text",
    },
    key: ["image_id", "item_id"],
  },
  {
    table: "deregistered_images",
    columns: {
      image_id: "text",
      owner_id: "text",
      deregistered_at: "text",
      shared_with: "json",
      doc: "json",
    },
    key: ["image_id"],
  },
  {
    table: "allowed_images_settings",
    columns: { account_id: "text", state: "text", criteria: "json", require_passing_verdict: "boolean" },
    key: ["account_id"],
  },
];

/** Tables a bundle leaves out on purpose, and why (printed by export). */
export const SKIPPED_TABLES: Readonly<Record<string, string>> = {
  migrations: "the bundle's schemaVersion says which migrations its rows follow",
  console_sessions: "web console sign-ins belong to one deployment: users sign in again",
  upload_reservations: "uploads in flight belong to the running nodes: nothing is in flight in a bundle",
  upload_sessions:
    "resumable uploads belong to the running deployment (their parts are not in the bundle): clients push again",
  upload_parts: "the parts of resumable uploads, which the bundle leaves out with their sessions",
};

/** A row as written in a bundle: column name → portable value (see ColumnType). */
export type PortableRow = Record<string, unknown>;

export const recordsFile = (spec: TableSpec) => `records/${spec.table}.jsonl`;
