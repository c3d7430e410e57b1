import os from "node:os";
import path from "node:path";
import { Option } from "commander";

/** Where the catalogue keeps its database, blobs and key file unless told otherwise. */
export function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME ?? path.join(os.homedir(), ".local", "share");
  return path.join(base, "amigate");
}

export const dataDirOption = () =>
  new Option("--data-dir <dir>", "data directory: catalogue.db, blobs/, secret.key")
    .env("AMIGATE_DATA_DIR")
    .default(defaultDataDir());

const SIZE = /^(\d+(?:\.\d+)?)\s*(?:([KMGT])(?:i?B)?|B)?$/i;
const UNIT: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** Bytes from "4096", "512M", "20G", "1.5T" (K, M, G, T are powers of 1024; "GiB"/"GB" read as G). */
export function parseSize(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (!m) return undefined;
  const n = Math.floor(Number(m[1]) * (m[2] ? UNIT[m[2].toUpperCase()]! : 1));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Seconds > 0 (fractions allowed) as milliseconds, at most what a node timer can wait (24 days). */
export function parseSeconds(text: string): number | undefined {
  const s = Number(text);
  if (text.trim() === "" || !Number.isFinite(s) || s <= 0) return undefined;
  const ms = Math.max(1, Math.round(s * 1000));
  return ms <= 2 ** 31 - 1 ? ms : undefined;
}

const DURATION_UNITS: ReadonlyArray<[unit: string, ms: number]> = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
];

/**
 * Milliseconds from a duration written with units, largest first, each at most once: "30m",
 * "12h", "1h30m", "90s", "7d". A bare number, a unit out of order or twice, or anything else is
 * undefined (the flag's error says what it takes).
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || text.trim() === "") return undefined;
  const ms = DURATION_UNITS.reduce((sum, [, unit], i) => sum + Number(m[i + 1] ?? 0) * unit, 0);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** A whole number ≥ min. */
export function parseCount(text: string, min = 0): number | undefined {
  const n = Number(text);
  return text.trim() !== "" && Number.isSafeInteger(n) && n >= min ? n : undefined;
}

export const databaseOption = () =>
  new Option(
    "--database <url-or-file>",
    "the catalogue's database: postgres://user@host/db (PostgreSQL 15+), or a SQLite file (default: <data-dir>/catalogue.db)",
  ).env("AMIGATE_DATABASE");
