import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import path from "node:path";
import { describe, it } from "node:test";
import { ext4ImagesPath, openExtImage } from "../../../test/support/ext4-images.js";
import { bufferByteSource } from "../../io/file.js";
import { Image } from "../image.js";
import { openExt4 } from "./index.js";

const images = ext4ImagesPath();
/** As the content pass: files up to this size are read whole into its scratch buffer. */
const SCRATCH = 256 * 1024;

/**
 * Every file read into a dirty scratch buffer equals the same file read the usual way, and fails
 * the same way: holes, inline data and tails past i_size leave nothing of the buffer's old bytes.
 */
async function sameWithScratch(image: Image): Promise<{ intoScratch: number; errors: number }> {
  const scratch = Buffer.alloc(SCRATCH, 0xa5);
  let intoScratch = 0;
  let errors = 0;
  for await (const { path: p, stat } of image.walk("/")) {
    if (stat.type !== "file" || stat.size > SCRATCH) continue;
    scratch.fill(0xa5);
    const plain = await image.tree.readFile(p, { maxBytes: SCRATCH }).catch((e: unknown) => e);
    const viaScratch = await image.tree.readFile(p, { maxBytes: SCRATCH, scratch }).catch((e: unknown) => e);
    if (plain instanceof Error) {
      errors++;
      assert.ok(viaScratch instanceof Error, `${p}: ${String(plain)} without scratch, bytes with it`);
      assert.equal(viaScratch.message, plain.message, p);
      continue;
    }
    assert.ok(Buffer.isBuffer(viaScratch), `${p}: ${String(viaScratch)}`);
    assert.ok(viaScratch.equals(plain as Buffer), p);
    if (viaScratch.buffer === scratch.buffer) intoScratch++;
  }
  return { intoScratch, errors };
}

async function withImage<T>(name: string, body: (image: Image) => Promise<T>): Promise<T> {
  const image = await openExtImage(path.join(images, name));
  try {
    return await body(image);
  } finally {
    await image.close();
  }
}

describe("ext reads into a caller's scratch buffer", () => {
  for (const name of ["debian-ext4.img", "debian-ext3.img", "debian-ext4-1k.img", "hand-ext2-1k.img"])
    it(`${name}: every file as without it`, async () => {
      const { intoScratch } = await withImage(name, sameWithScratch);
      assert.ok(intoScratch > 10, `${intoScratch} files read into the scratch buffer`);
    });

  it("inline.img: inline files (read the usual way) as without it", async () => {
    await withImage("inline.img", sameWithScratch);
  });

  it("a hostile extent fails as it does without the scratch buffer", async () => {
    const { errors } = await withImage("hostile-extent-past-end.img", sameWithScratch);
    assert.ok(errors >= 1);
  });

  it("a source without readInto gets the same bytes through read()", async () => {
    const { readFile } = await import("node:fs/promises");
    const bytes = await readFile(path.join(images, "hand-ext2-1k.img"));
    const image = new Image(await openExt4(bufferByteSource(bytes, "hand-ext2-1k.img in memory")));
    let file: string | undefined;
    for await (const { path: p, stat } of image.walk("/"))
      if (stat.type === "file" && stat.size > 1000 && stat.size < SCRATCH) file ??= p;
    assert.ok(file);
    const scratch = Buffer.alloc(SCRATCH, 0xa5);
    const plain = await image.tree.readFile(file, { maxBytes: SCRATCH });
    const viaScratch = await image.tree.readFile(file, { maxBytes: SCRATCH, scratch });
    assert.ok(viaScratch.equals(plain));
    assert.equal(viaScratch.buffer, scratch.buffer);
  });
});

describe("Image.withFile lends a reused buffer per read in flight", () => {
  it("debian-ext4.img: 16 reads at a time get each file's own bytes, from a few buffers", async () => {
    await withImage("debian-ext4.img", async (image) => {
      const files: string[] = [];
      for await (const { path: p, stat } of image.walk("/"))
        if (stat.type === "file" && stat.size > 0 && stat.size <= 64 * 1024) files.push(p);
      assert.ok(files.length > 200, `${files.length} files`);
      const lent = new Set<ArrayBufferLike>();
      const digest = (b: Buffer) => createHash("sha256").update(b).digest("hex");
      for (let i = 0; i < files.length; i += 16) {
        const batch = files.slice(i, i + 16);
        // Each read's bytes are hashed inside its call; a buffer shared by two reads in flight
        // would hash one file's bytes as another's.
        const viaLent = await Promise.all(
          batch.map((p) =>
            image.withFile(p, 64 * 1024, (bytes) => {
              lent.add(bytes.buffer);
              return digest(bytes);
            }),
          ),
        );
        const plain = await Promise.all(batch.map(async (p) => digest(await image.readFile(p))));
        assert.deepEqual(viaLent, plain, batch.join(" "));
      }
      // 16 in flight: at most 16 buffers made, not one per file.
      assert.ok(lent.size <= 16, `${lent.size} buffers for ${files.length} files`);
      assert.equal(await image.readText(files[0]!), (await image.readFile(files[0]!)).toString("utf8"));
    });
  });
});
