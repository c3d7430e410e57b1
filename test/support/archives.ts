import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A .tar.gz of `files` (paths relative to the archive's top), made by the tar program. */
export function tarGz(files: Record<string, string>): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), "amigate-tar-"));
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), content);
    }
    return execFileSync("tar", ["-czf", "-", "-C", dir, "."], { maxBuffer: 64 * 1024 * 1024 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
