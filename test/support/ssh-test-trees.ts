import { readFileSync } from "node:fs";
import path from "node:path";
import { debianRootfsPath } from "./trees.js";

/** A file of the real Debian rootfs, for tests that edit one line of it (line numbers stay put). */
export function debianFile(p: string): string {
  return readFileSync(path.join(debianRootfsPath(), p), "utf8");
}

export const MAIN = "/etc/ssh/sshd_config";
export const BASELINE = "/etc/ssh/sshd_config.d/60-amigate-baseline.conf";

/** Debian's sshd_config with one written line replaced by another (same line number). */
export function mainWith(from: string, to: string): string {
  const text = debianFile(MAIN);
  if (!text.includes(`\n${from}\n`)) throw new Error(`test setup: "${from}" not in ${MAIN}`);
  return text.replace(`\n${from}\n`, `\n${to}\n`);
}
