import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { openVulnDb, type VulnDb } from "./schema.js";

/**
 * Runs `write` on a private copy of the database at `dbPath` and puts the copy in its place only
 * when `write` returns: an import that fails half-way, or an offline `db update` that fetched
 * nothing, leaves the previous database exactly as it was (and no empty one where there was none).
 * The copy is made with `VACUUM INTO` (a consistent snapshot, WAL included) and swapped in with
 * rename(2), so readers see the old database or the new one, never a mix.
 */
export async function withStagedDb<T>(dbPath: string, write: (db: VulnDb) => Promise<T>): Promise<T> {
  mkdirSync(path.dirname(dbPath), { recursive: true });
  const staged = `${dbPath}.staged-${randomBytes(6).toString("hex")}`;
  const cleanup = () => {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${staged}${suffix}`, { force: true });
  };
  try {
    if (existsSync(dbPath)) {
      const source = new Database(dbPath, { readonly: true, fileMustExist: true });
      try {
        source.prepare("VACUUM INTO ?").run(staged);
      } finally {
        source.close();
      }
    }
    const db = openVulnDb(staged);
    let result: T;
    try {
      result = await write(db);
      // Fold the WAL into the file before it moves: the -wal file would not move with it.
      db.pragma("wal_checkpoint(TRUNCATE)");
    } finally {
      db.close();
    }
    renameSync(staged, dbPath);
    for (const suffix of ["-wal", "-shm"]) rmSync(`${dbPath}${suffix}`, { force: true });
    return result;
  } finally {
    cleanup();
  }
}
