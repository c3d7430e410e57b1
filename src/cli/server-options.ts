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
