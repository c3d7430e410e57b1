import { createRequire } from "node:module";
import type DatabaseType from "better-sqlite3";

// Loaded on first use: only RPM images with rpmdb.sqlite need SQLite.
const require = createRequire(import.meta.url);

import { ImageFormatError } from "../../../io/errors.js";

/**
 * rpm's SQLite database (rpmdb.sqlite, rpm ≥ 4.16: Amazon Linux 2023, RHEL 9): table Packages
 * (hnum INTEGER PRIMARY KEY, blob BLOB) holds one header blob per package. The file is opened from
 * memory; its WAL flag (header bytes 18–19 = 2) is cleared because an in-memory copy has no WAL.
 */
export function readSqliteBlobs(bytes: Buffer, file: string): Buffer[] {
  if (bytes.length < 100 || bytes.toString("latin1", 0, 16) !== "SQLite format 3\0") {
    throw new ImageFormatError(file, "SQLite header", 0, '"SQLite format 3"');
  }
  const copy = Buffer.from(bytes);
  copy[18] = 1;
  copy[19] = 1;
  let db: DatabaseType.Database;
  try {
    const Database = require("better-sqlite3") as typeof DatabaseType;
    db = new Database(copy, { readonly: true });
  } catch (e) {
    throw new ImageFormatError(file, "SQLite database", 0, `a readable database (${(e as Error).message})`);
  }
  try {
    const rows = db.prepare("SELECT blob FROM Packages ORDER BY hnum").all() as Array<{ blob: unknown }>;
    return rows.filter((r): r is { blob: Buffer } => Buffer.isBuffer(r.blob)).map((r) => r.blob);
  } catch (e) {
    throw new ImageFormatError(
      file,
      "rpmdb Packages table",
      0,
      `table Packages(hnum, blob) (${(e as Error).message})`,
    );
  } finally {
    db.close();
  }
}
