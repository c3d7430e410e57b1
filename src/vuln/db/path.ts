import os from "node:os";
import path from "node:path";

/** --db PATH, else AMIGATE_DB, else amigate/vuln.db in the user's cache directory (XDG). */
export function defaultDbPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  if (env.AMIGATE_DB) return env.AMIGATE_DB;
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(cache, "amigate", "vuln.db");
}
