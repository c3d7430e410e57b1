import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import path from "node:path";
import type { ByteSource } from "../../io/bytes.js";
import { bufferByteSource } from "../../io/file.js";

let built: string | undefined;

/** Builds (once, cached) the disk fixtures of fixtures/disk-images.sh and returns their folder. */
export function diskFixtures(): string {
  built ??= execFileSync("bash", [path.resolve(import.meta.dirname, "../../../fixtures/disk-images.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  return built;
}

/** The shared corpus's disk images: ../shared beside the repository, else /work/shared. */
export const CORPUS_DISK =
  [path.resolve(import.meta.dirname, "../../../../shared"), "/work/shared"]
    .map((shared) => path.join(shared, "corpus/disk"))
    .find((dir) => existsSync(dir)) ?? "/work/shared/corpus/disk";

/** sha256 of a ByteSource read in 1 MiB pieces (bytes [0, limit)). */
export async function hashSource(source: ByteSource, limit = source.size): Promise<string> {
  const h = createHash("sha256");
  for (let at = 0; at < limit; at += 1 << 20) h.update(await source.read(at, Math.min(1 << 20, limit - at)));
  return h.digest("hex");
}

export function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(file)
      .on("data", (d) => h.update(d))
      .on("end", () => resolve(h.digest("hex")))
      .on("error", reject);
  });
}

/** A buffer as a ByteSource (for hostile variants made in memory). */
export function bufferSource(buf: Buffer, description = "memory"): ByteSource {
  return bufferByteSource(buf, description);
}
