/** Which package manager (or detector) a package came from; also selects the version order. */
export type PackageEcosystem = "dpkg" | "rpm" | "apk" | "runtime" | "windows";

export interface InstalledPackage {
  name: string;
  /** Full version as the package manager prints it: dpkg "[epoch:]upstream[-revision]", rpm "[epoch:]version-release". */
  version: string;
  /** The source package (dpkg Source:, rpm SOURCERPM name, apk origin); advisories are keyed by it on Debian/Ubuntu. */
  sourceName: string;
  sourceVersion: string;
  arch?: string;
  /** dpkg's Section; a component prefix ("universe/web") says which part of the archive it is from. */
  section?: string;
  ecosystem: PackageEcosystem;
  /** The database file it was read from. */
  source: string;
}

/** A package database that was found and read, with how many packages it gave. */
export interface PackageDatabase {
  path: string;
  format:
    | "dpkg-status"
    | "dpkg-status.d"
    | "rpm-bdb"
    | "rpm-ndb"
    | "rpm-sqlite"
    | "apk-installed"
    | "windows-uninstall";
  count: number;
}
