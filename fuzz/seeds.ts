/** Builds (or finds cached) the fuzzer's seed images: for `npm run fuzz` and for its test. */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const repo = path.resolve(import.meta.dirname, "..");

/** The fixture scripts whose images are seeds (fuzz/targets.ts says which reader uses which). */
export const SEED_SCRIPTS = [
  "fuzz-seeds.sh",
  "disk-images.sh",
  "ntfs-images.sh",
  "ext4-images.sh",
  "xfs-images.sh",
];

/**
 * Runs each seed script; a script that fails costs only its readers their seeds. Returns the
 * failures, "script: last line of its error output", for the caller to report.
 */
export function buildSeeds(): string[] {
  const failed: string[] = [];
  for (const script of SEED_SCRIPTS) {
    const file = path.join(repo, "fixtures", script);
    if (!existsSync(file)) continue;
    try {
      execFileSync("bash", [file], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (e) {
      const stderr = String((e as { stderr?: Buffer }).stderr ?? "").trim();
      failed.push(`fixtures/${script}: ${stderr.split("\n").pop() || String(e)}`);
    }
  }
  return failed;
}
