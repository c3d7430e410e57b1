import path from "node:path";
import { userCacheDir } from "../../io/user-cache.js";

/** --db PATH, else AMIGATE_DB, else amigate/vuln.db in the user's cache directory (XDG). */
export function defaultDbPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  if (env.AMIGATE_DB) return env.AMIGATE_DB;
  return path.join(userCacheDir(env), "vuln.db");
}
