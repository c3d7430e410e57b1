import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ByteSource } from "../../io/bytes.js";

let built: string | undefined;

/** Builds (once, cached) the NTFS fixtures of fixtures/ntfs-images.sh and returns their folder. */
export function ntfsFixtures(): string {
  built ??= execFileSync("bash", [path.resolve(import.meta.dirname, "../../../fixtures/ntfs-images.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  return built;
}

/** What ntfsls/ntfscat said about the fixture: kind ("f", "d", "l"), sha256 and size by path. */
export function peerListing(dir: string): Map<string, { kind: string; sha256: string; size: number }> {
  const out = new Map<string, { kind: string; sha256: string; size: number }>();
  for (const line of readFileSync(path.join(dir, "expected.txt"), "utf8").split("\n")) {
    const m = /^([fdl]) (\S+) (\S+) (\/.*)$/.exec(line);
    if (m) out.set(m[4]!, { kind: m[1]!, sha256: m[2]!, size: m[3] === "-" ? 0 : Number(m[3]) });
  }
  return out;
}

/** A ByteSource with some byte ranges replaced (hostile variants of a real image, no copy). */
export function patchedSource(base: ByteSource, patches: Array<[number, Buffer]>): ByteSource {
  return {
    description: `${base.description} (patched)`,
    size: base.size,
    async read(offset: number, length: number): Promise<Buffer> {
      const buf = await base.read(offset, length);
      for (const [at, bytes] of patches) {
        const from = Math.max(at, offset);
        const to = Math.min(at + bytes.length, offset + length);
        if (from < to) bytes.copy(buf, from - offset, from - at, to - at);
      }
      return buf;
    },
    close: () => base.close(),
  };
}
