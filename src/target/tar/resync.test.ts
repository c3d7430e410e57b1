import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { BASE64_CHARS, fakeToken } from "../../../test/support/keygen.js";
import { ImageFormatError } from "../../io/errors.js";
import { scan } from "../../scan/session.js";
import { openTarget } from "../open.js";
import { tarGaps } from "./probe.js";
import { END_OF_ARCHIVE, tarEntry } from "./testing.js";
import { MAX_SKIPPED_LISTED, TarTree } from "./tree.js";

const keyId = fakeToken("AKIA", 16);
const secret = fakeToken("", 40, BASE64_CHARS, 3);
const CREDENTIALS = `[default]\naws_access_key_id = ${keyId}\naws_secret_access_key = ${secret}\n`;

/** An entry whose header checksum no longer matches (one byte of its name flipped). */
function damaged(name: string, data: string): Buffer {
  const entry = tarEntry({ name }, data);
  entry[1] = entry[1]! ^ 0x20;
  return entry;
}

let dir: string;
const at = (name: string) => path.join(dir, name);
/** Offset of the damaged header in `middle.tar`: after etc/hostname (header + one data block). */
const DAMAGED_AT = 1024;

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "amigate-tar-resync-"));
  const middle = Buffer.concat([
    tarEntry({ name: "etc/hostname" }, "resync\n"),
    damaged("etc/lost", "x".repeat(3000)), // header + 6 data blocks
    tarEntry({ name: "root/.aws", typeflag: "5" }),
    tarEntry({ name: "root/.aws/credentials", mode: 0o600 }, CREDENTIALS),
    // An OS root (the damage is the only gap the scan must name).
    tarEntry({ name: "etc/os-release" }, "ID=debian\n"),
    END_OF_ARCHIVE,
  ]);
  writeFileSync(at("middle.tar"), middle);
  execFileSync("gzip", ["-k", "-n", at("middle.tar")]);
  execFileSync("zstd", ["-q", "-k", at("middle.tar")]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("a tar header with a bad checksum is skipped to the next valid header, as GNU tar does", () => {
  for (const name of ["middle.tar", "middle.tar.gz", "middle.tar.zst"]) {
    it(`${name}: the entries after it are indexed and the skipped region is listed`, async () => {
      const tree = await TarTree.open(at(name), { partial: true });
      try {
        assert.equal(tree.damage, undefined);
        assert.deepEqual(tree.skipped, [{ offset: DAMAGED_AT, length: 7 * 512, resumed: true }]);
        assert.equal(
          (await tree.readFile("/root/.aws/credentials", { maxBytes: 4096 })).toString(),
          CREDENTIALS,
        );
        assert.equal((await tree.readFile("/etc/hostname", { maxBytes: 4096 })).toString(), "resync\n");
        assert.deepEqual((await tree.readdir("/etc")).map((e) => e.name).sort(), ["hostname", "os-release"]);
        assert.deepEqual(tarGaps(tree), [
          {
            where: `archive offset ${DAMAGED_AT}`,
            reason: `damaged tar header (bad checksum): the entry there was not read; 3584 bytes skipped to the next valid header at offset ${DAMAGED_AT + 3584}`,
          },
        ]);
      } finally {
        await tree.close();
      }
    });
  }

  it("without `partial` the damaged header still throws", async () => {
    await assert.rejects(
      TarTree.open(at("middle.tar")),
      (e) => e instanceof ImageFormatError && e.structure === "tar header" && e.offset === DAMAGED_AT,
    );
  });

  it("the scan finds the credentials after the damage and fails with scan-incomplete naming the offset", async () => {
    const target = await openTarget(at("middle.tar"));
    try {
      const result = await scan(target, target.roots, { now: new Date("2026-01-01T00:00:00Z") });
      assert.equal(result.passed, false);
      assert.ok(
        result.findings.some((f) => f.rule === "credential-store" && f.path === "/root/.aws/credentials"),
        JSON.stringify(result.findings.map((f) => [f.rule, f.path])),
      );
      const incomplete = result.findings.filter((f) => f.rule === "scan-incomplete");
      assert.equal(incomplete.length, 1);
      assert.match(incomplete[0]!.message, new RegExp(`archive offset ${DAMAGED_AT}: damaged tar header`));
      assert.match(incomplete[0]!.message, /the entry there was not read/);
    } finally {
      await target.close();
    }
  });

  it("a damaged last header: passed over to the end of the archive, nothing taken for a header", async () => {
    const file = at("last.tar");
    // The damaged entry's data holds zero blocks and text: neither is a header.
    const data = `${"\0".repeat(2048)}${"not a header ".repeat(100)}`;
    writeFileSync(
      file,
      Buffer.concat([tarEntry({ name: "a" }, "a\n"), damaged("b", data), END_OF_ARCHIVE, Buffer.alloc(8192)]),
    );
    const tree = await TarTree.open(file, { partial: true });
    try {
      assert.deepEqual(
        (await tree.readdir("/")).map((e) => e.name),
        ["a"],
      );
      assert.equal(tree.skipped.length, 1);
      assert.deepEqual(tree.skipped[0], { offset: 1024, length: tree.skipped[0]!.length, resumed: false });
      assert.match(tarGaps(tree)[0]!.reason, /no valid header in the \d+ bytes from there to the end/);
    } finally {
      await tree.close();
    }
  });

  it(`lists at most ${MAX_SKIPPED_LISTED} damaged regions and counts the rest`, async () => {
    const file = at("many-damaged.tar");
    const parts: Buffer[] = [];
    for (let i = 0; i < MAX_SKIPPED_LISTED + 20; i++)
      parts.push(damaged(`bad${i}`, "x"), tarEntry({ name: `good${i}` }, "y"));
    parts.push(END_OF_ARCHIVE);
    writeFileSync(file, Buffer.concat(parts));
    const tree = await TarTree.open(file, { partial: true });
    try {
      assert.equal((await tree.readdir("/")).length, MAX_SKIPPED_LISTED + 20);
      assert.equal(tree.skipped.length, MAX_SKIPPED_LISTED);
      assert.equal(tree.skippedOmitted, 20);
      const gaps = tarGaps(tree);
      assert.equal(gaps.length, MAX_SKIPPED_LISTED + 1);
      assert.deepEqual(gaps.at(-1), {
        where: "the archive",
        reason: `20 more damaged tar headers were skipped (only the first ${MAX_SKIPPED_LISTED} are listed); the entries there were not read`,
      });
    } finally {
      await tree.close();
    }
  });

  it("a pax header before the damaged one does not carry over to the entry found after it", async () => {
    const file = at("pax-damage.tar");
    const record = "path=sneaky/name\n";
    const pax = `${record.length + 3} ${record}`;
    writeFileSync(
      file,
      Buffer.concat([
        tarEntry({ name: "PaxHeader", typeflag: "x" }, pax),
        damaged("victim", "v"),
        tarEntry({ name: "after" }, "after\n"),
        END_OF_ARCHIVE,
      ]),
    );
    const tree = await TarTree.open(file, { partial: true });
    try {
      assert.deepEqual(
        (await tree.readdir("/")).map((e) => e.name),
        ["after"],
      );
    } finally {
      await tree.close();
    }
  });
});
