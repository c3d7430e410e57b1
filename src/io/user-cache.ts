import os from "node:os";
import path from "node:path";

/** amigate's directory in the user's cache (XDG): $XDG_CACHE_HOME/amigate, else ~/.cache/amigate. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "amigate");
}
