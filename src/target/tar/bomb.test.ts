import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFAULT_INFLATE_BOUND, InflateBoundError, inflateBoundFromEnv } from "./decompress.js";
import { tarGaps, tarNotes } from "./probe.js";
import { tarEntry, ustarHeader, withJs } from "./testing.js";
import { TarTree } from "./tree.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** The bomb's one file: 3 GiB of zeros. */
const BOMB_SIZE = 3 * GiB;
/** A low bound so the tests stay fast; the default is 1 GiB (DEFAULT_INFLATE_BOUND). */
const BOUND = { maxRatio: 100, minBytes: 64 * MiB };

let dir: string;
const at = (name: string) => path.join(dir, name);

/**
 * A 3 GiB tar of zeros built in milliseconds: compressed streams concatenate (zstd frames, gzip
 * members), so one compressed 64 MiB of zeros repeated 48 times after a compressed tar header
 * decompresses to the whole archive.
 */
function bomb(program: "zstd" | "gzip"): Buffer {
  const compress = (data: Buffer) =>
    execFileSync(program, ["-c", "-q"], { input: data, maxBuffer: 64 * MiB });
  const zeros = compress(Buffer.alloc(64 * MiB));
  const head = compress(ustarHeader({ name: "disk.img", size: BOMB_SIZE }));
  return Buffer.concat([head, ...Array.from({ length: BOMB_SIZE / (64 * MiB) }, () => zeros)]);
}

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "amigate-tar-bomb-"));
  writeFileSync(at("bomb.tar.zst"), bomb("zstd"));
  writeFileSync(at("bomb.tar.gz"), bomb("gzip"));
  const fine = Buffer.concat([tarEntry({ name: "etc/hostname" }, "fine\n"), Buffer.alloc(1024)]);
  writeFileSync(at("fine.tar"), fine);
  execFileSync("zstd", ["-q", at("fine.tar")]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("a decompression bomb stops at the inflate bound with a gap, not minutes later", () => {
  for (const [name, how] of [
    ["bomb.tar.zst", "the zstd program, killed at the bound"],
    ["bomb.tar.zst", "fzstd in process"],
    ["bomb.tar.gz", "zlib in process"],
  ] as const) {
    it(`${name} through ${how}`, async () => {
      const open = () => TarTree.open(at(name), { partial: true, inflate: BOUND });
      const started = Date.now();
      const tree = how === "fzstd in process" ? await withJs(open) : await open();
      const took = Date.now() - started;
      try {
        const damage = tree.damage;
        assert.ok(damage instanceof InflateBoundError, String(damage));
        // Stopped near the bound, far from the 3 GiB the archive inflates to.
        assert.ok(damage.produced > BOUND.minBytes && damage.produced < 1 * GiB, `${damage.produced} bytes`);
        assert.ok(took < 20_000, `${took} ms`);
        const gaps = tarGaps(tree);
        assert.equal(gaps.length, 1);
        assert.match(gaps[0]!.where, /^compressed archive offset \d+$/);
        assert.match(
          gaps[0]!.reason,
          /^decompression bomb: \d+ compressed bytes inflated to more than \d+ bytes \(bound: 100 bytes out per compressed byte once past 67108864\); decompression was stopped/,
        );
        assert.match(tarNotes(tree)[0]!, /decompression stopped at the bomb bound/);
        // The entry before the bound is there: the tar was indexed as far as it came out.
        assert.equal((await tree.lstat("/disk.img")).size, BOMB_SIZE);
      } finally {
        await tree.close();
      }
    });
  }

  it("without `partial` the bound throws", async () => {
    await assert.rejects(
      TarTree.open(at("bomb.tar.zst"), { inflate: BOUND }),
      (e) => e instanceof InflateBoundError && e.structure === "decompression bound",
    );
  });

  it("an ordinary archive passes the bound untouched", async () => {
    const tree = await TarTree.open(at("fine.tar.zst"), { partial: true, inflate: BOUND });
    try {
      assert.equal(tree.damage, undefined);
      assert.equal(await tree.readFile("/etc/hostname", { maxBytes: 100 }).then(String), "fine\n");
    } finally {
      await tree.close();
    }
  });

  it("the bound comes from AMIGATE_MAX_INFLATE_RATIO and AMIGATE_INFLATE_MIN_MIB, 0 turning it off", () => {
    assert.deepEqual(inflateBoundFromEnv({}), DEFAULT_INFLATE_BOUND);
    assert.deepEqual(DEFAULT_INFLATE_BOUND, { maxRatio: 1000, minBytes: GiB });
    assert.deepEqual(
      inflateBoundFromEnv({ AMIGATE_MAX_INFLATE_RATIO: "50", AMIGATE_INFLATE_MIN_MIB: "16" }),
      {
        maxRatio: 50,
        minBytes: 16 * MiB,
      },
    );
    assert.equal(inflateBoundFromEnv({ AMIGATE_MAX_INFLATE_RATIO: "0" }).maxRatio, Number.POSITIVE_INFINITY);
    assert.deepEqual(inflateBoundFromEnv({ AMIGATE_MAX_INFLATE_RATIO: "lots" }), DEFAULT_INFLATE_BOUND);
  });
});
