import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ByteSource } from "../../src/io/bytes.js";
import { ImageFormatError } from "../../src/io/errors.js";
import { REPO_ROOT } from "./trees.js";

let folder: string | undefined;

/** The folder of images built by fixtures/xfs-images.sh (built on first use, then cached). */
export function xfsImagesPath(): string {
  if (folder) return folder;
  const out = execFileSync("bash", [path.join(REPO_ROOT, "fixtures/xfs-images.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  folder = out.trim().split("\n").pop()!;
  return folder;
}

/** Paths of the source trees that a protofile could not name (left out of comparisons). */
export function protofileSkipped(dir: string): string[] {
  return readFileSync(path.join(dir, "skipped.txt"), "utf8").split("\n").filter(Boolean);
}

/**
 * A ByteSource over another with some bytes replaced and optionally a shorter length: hostile
 * variants of a real image without copying it.
 */
export function patchedSource(
  base: ByteSource,
  patches: Array<{ offset: number; bytes: Buffer }>,
  size = base.size,
): ByteSource {
  return {
    description: `${base.description} (patched)`,
    size,
    async read(offset: number, length: number): Promise<Buffer> {
      // Same contract as the file source: a typed error for reads past the end.
      if (offset < 0 || offset + length > size)
        throw new ImageFormatError(base.description, "read range", offset, `${length} bytes within ${size}`);
      const b = await base.read(offset, length);
      for (const p of patches) {
        const from = Math.max(p.offset, offset);
        const to = Math.min(p.offset + p.bytes.length, offset + length);
        if (from < to) p.bytes.copy(b, from - offset, from - p.offset, to - p.offset);
      }
      return b;
    },
    close: () => base.close(),
  };
}
