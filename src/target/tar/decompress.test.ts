import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { ImageFormatError } from "../../io/errors.js";
import { decompressedChunks } from "./decompress.js";
import { withJs } from "./testing.js";
import { TarTree } from "./tree.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-decompress-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function digest(file: string, compression: "xz" | "zstd"): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of decompressedChunks(file, compression)) h.update(chunk);
  return h.digest("hex");
}

describe("decompression: the zstd/xz programs and the JS fallback agree", () => {
  const raw = path.join(dir, "data.bin");
  // 3 MiB of mixed text and pseudo-random bytes: several zstd blocks and xz chunks.
  const bytes = Buffer.concat(
    Array.from({ length: 48 }, (_, i) =>
      i % 2 ? Buffer.from(`line ${i} `.repeat(6000)) : createHash("sha512").update(String(i)).digest(),
    ),
  );
  writeFileSync(raw, bytes);
  const want = createHash("sha256").update(bytes).digest("hex");
  execFileSync("zstd", ["-q", "-k", raw, "-o", `${raw}.zst`]);
  execFileSync("xz", ["-k", "-T1", raw]);

  for (const [ext, kind] of [
    [".zst", "zstd"],
    [".xz", "xz"],
  ] as const) {
    it(`${kind}: native and JS give the same bytes`, async () => {
      assert.equal(await digest(`${raw}${ext}`, kind), want);
      assert.equal(await withJs(() => digest(`${raw}${ext}`, kind)), want);
    });
    it(`${kind}: truncated input is an ImageFormatError natively; the JS path stops at a prefix`, async () => {
      const cut = path.join(dir, `cut${ext}`);
      execFileSync("bash", [
        "-c",
        `head -c $(( $(stat -c %s '${raw}${ext}') / 2 )) '${raw}${ext}' > '${cut}'`,
      ]);
      await assert.rejects(digest(cut, kind), ImageFormatError);
      // fzstd and xz-decompress do not flag a stream that just ends; what they give is a prefix,
      // and the tar layer above reports the archive cut short (tree.test.ts).
      const got: Buffer[] = [];
      try {
        await withJs(async () => {
          for await (const c of decompressedChunks(cut, kind)) got.push(c);
        });
      } catch (e) {
        assert.ok(e instanceof ImageFormatError);
      }
      const prefix = Buffer.concat(got);
      assert.ok(prefix.length < bytes.length && bytes.subarray(0, prefix.length).equals(prefix));
    });
  }
});

describe("zstd windows past the program's default (zstd --long=28 and up)", () => {
  const root = path.join(dir, "long-root");
  const archive = path.join(dir, "long.tar.zst");
  mkdirSync(path.join(root, "etc"), { recursive: true });
  writeFileSync(path.join(root, "etc/hostname"), "long\n");
  // Through a pipe zstd does not know the size, and the frame asks for the whole 1 GiB window.
  execFileSync("bash", ["-c", `tar -C '${root}' -cf - . | zstd -q --long=30 > '${archive}'`]);

  it("open: the window is allowed up to AMIGATE_ZSTD_MEMORY_MIB (2048 MiB by default)", async () => {
    const tree = await TarTree.open(archive);
    try {
      assert.equal((await tree.readFile("/etc/hostname", { maxBytes: 64 })).toString(), "long\n");
    } finally {
      await tree.close();
    }
  });

  it("a window past it fails naming the setting, not zstd's own flags", async () => {
    process.env.AMIGATE_ZSTD_MEMORY_MIB = "512";
    try {
      await assert.rejects(TarTree.open(archive), (e: unknown) => {
        assert.ok(e instanceof ImageFormatError);
        assert.match(
          e.message,
          /the 512 MiB allowed \(the archive's is 1024 MiB; raise AMIGATE_ZSTD_MEMORY_MIB\)/,
        );
        assert.doesNotMatch(e.message, /--long|--memory/);
        return true;
      });
    } finally {
      delete process.env.AMIGATE_ZSTD_MEMORY_MIB;
    }
  });
});
