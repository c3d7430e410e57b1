/**
 * manifest.json, the table of contents of a catalogue bundle: what wrote it, the schema version its
 * rows follow, each records file's row count and SHA-256, and every blob's SHA-256 and size. Import
 * checks the bundle against it before writing anything.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { BUNDLE_TABLES, recordsFile } from "./tables.js";

/** A bundle that cannot be read or is not what its manifest says (one line, naming the file). */
export class BundleError extends Error {
  override readonly name = "BundleError";
}

export const BUNDLE_FORMAT = "amigate-catalogue-bundle";
export const BUNDLE_FORMAT_VERSION = 1;
export const MANIFEST_FILE = "manifest.json";
/** 1 M blobs are ~100 MB of manifest; more than this is not one amigate wrote. */
const MAX_MANIFEST = 512 * 1024 * 1024;

export interface RecordsEntry {
  file: string;
  count: number;
  sha256: string;
}

export interface BlobEntry {
  sha256: string;
  size: number;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  amigateVersion: string;
  /** The catalogue schema version (store/migrations.ts) the rows follow. */
  schemaVersion: number;
  exportedAt: string;
  /** The database exported from. */
  source: "sqlite" | "postgres";
  /** By table: records/<table>.jsonl. */
  records: Record<string, RecordsEntry>;
  /** Tables left out, and why. */
  skipped: Record<string, string>;
  /** Every blob, in digest order: blobs/sha256/<hex>. */
  blobs: BlobEntry[];
}

export const blobFile = (sha256: string) => `blobs/sha256/${sha256}`;

const SHA256 = /^[0-9a-f]{64}$/;
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** Reads and checks manifest.json's shape (not yet the files it names). */
export async function readManifest(dir: string): Promise<BundleManifest> {
  const file = path.join(dir, MANIFEST_FILE);
  const bad = (why: string) => new BundleError(`${file}: ${why}`);
  let text: string;
  try {
    const stat = await fsp.stat(file);
    if (stat.size > MAX_MANIFEST) throw bad(`larger than ${MAX_MANIFEST} bytes`);
    text = await fsp.readFile(file, "utf8");
  } catch (e) {
    if (e instanceof BundleError) throw e;
    throw new BundleError(
      `${dir} is not a catalogue bundle: no readable ${MANIFEST_FILE} (an export that did not finish writes none)`,
    );
  }
  let m: Partial<BundleManifest>;
  try {
    m = JSON.parse(text) as Partial<BundleManifest>;
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  if (typeof m !== "object" || m === null || m.format !== BUNDLE_FORMAT)
    throw bad(`not an amigate catalogue bundle (format is not "${BUNDLE_FORMAT}")`);
  if (m.formatVersion !== BUNDLE_FORMAT_VERSION)
    throw bad(`bundle format ${String(m.formatVersion)}; this amigate reads format ${BUNDLE_FORMAT_VERSION}`);
  if (!isCount(m.schemaVersion)) throw bad("schemaVersion must be a whole number");
  if (typeof m.records !== "object" || m.records === null) throw bad("records must be an object");
  for (const spec of BUNDLE_TABLES) {
    const r = m.records[spec.table];
    if (!r || r.file !== recordsFile(spec) || !isCount(r.count) || !SHA256.test(String(r.sha256)))
      throw bad(`records.${spec.table} must be {file: "${recordsFile(spec)}", count, sha256}`);
  }
  const unknown = Object.keys(m.records).find((t) => !BUNDLE_TABLES.some((s) => s.table === t));
  if (unknown !== undefined) throw bad(`records.${unknown}: this amigate has no such table`);
  if (!Array.isArray(m.blobs)) throw bad("blobs must be an array");
  for (const [i, b] of m.blobs.entries()) {
    if (typeof b !== "object" || b === null || !SHA256.test(String(b.sha256)) || !isCount(b.size))
      throw bad(`blobs[${i}] must be {sha256: 64 lowercase hex digits, size}`);
  }
  return m as BundleManifest;
}

export async function writeManifest(dir: string, manifest: BundleManifest): Promise<void> {
  await fsp.writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n", {
    flag: "wx",
  });
}
