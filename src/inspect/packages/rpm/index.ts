import type { InstalledPackage } from "../types.js";
import { readBdbBlobs } from "./bdb.js";
import { parseRpmHeader, type RpmHeader, splitSourceRpm } from "./header.js";
import { readNdbBlobs } from "./ndb.js";
import { readSqliteBlobs } from "./sqlite.js";

export type RpmDbFormat = "rpm-bdb" | "rpm-ndb" | "rpm-sqlite";

/** Where each format lives (rpm's _dbpath, /var/lib/rpm; /usr/lib/sysimage/rpm on newer systems). */
export const RPMDB_PATHS: ReadonlyArray<{ path: string; format: RpmDbFormat }> = [
  { path: "/var/lib/rpm/rpmdb.sqlite", format: "rpm-sqlite" },
  { path: "/usr/lib/sysimage/rpm/rpmdb.sqlite", format: "rpm-sqlite" },
  { path: "/var/lib/rpm/Packages.db", format: "rpm-ndb" },
  { path: "/usr/lib/sysimage/rpm/Packages.db", format: "rpm-ndb" },
  { path: "/var/lib/rpm/Packages", format: "rpm-bdb" },
  { path: "/usr/lib/sysimage/rpm/Packages", format: "rpm-bdb" },
];

export function readRpmHeaders(
  bytes: Buffer,
  format: RpmDbFormat,
  file: string,
  onError: (e: unknown) => void,
): RpmHeader[] {
  const blobs =
    format === "rpm-sqlite"
      ? readSqliteBlobs(bytes, file)
      : format === "rpm-ndb"
        ? readNdbBlobs(bytes, file)
        : readBdbBlobs(bytes, file);
  const headers: RpmHeader[] = [];
  for (const blob of blobs) {
    try {
      headers.push(parseRpmHeader(blob, file));
    } catch (e) {
      // BDB also stores small bookkeeping records inline; only header-shaped ones count.
      if (format !== "rpm-bdb" || blob.length > 64) onError(e);
    }
  }
  return headers;
}

/** Header → package; gpg-pubkey pseudo-packages (imported keys, not software) are left out. */
export function rpmPackages(headers: readonly RpmHeader[], source: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const h of headers) {
    if (h.name === "gpg-pubkey") continue;
    const version = `${h.epoch !== undefined && h.epoch > 0 ? `${h.epoch}:` : ""}${h.version}-${h.release}`;
    const src = h.sourceRpm ? splitSourceRpm(h.sourceRpm) : undefined;
    out.push({
      name: h.name,
      version,
      sourceName: src?.name ?? h.name,
      sourceVersion: src
        ? `${h.epoch !== undefined && h.epoch > 0 ? `${h.epoch}:` : ""}${src.version}`
        : version,
      ...(h.arch !== undefined ? { arch: h.arch } : {}),
      ecosystem: "rpm",
      source,
    });
  }
  return out;
}
