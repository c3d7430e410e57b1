import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { SHARED } from "../../../../test/support/trees.js";
import { type RpmDbFormat, readRpmHeaders, rpmPackages } from "./index.js";

const corpus = path.join(SHARED, "corpus/rpm");

interface Expected {
  packages: Array<{
    name: string;
    epoch: number | null;
    version: string;
    release: string;
    arch?: string;
    sourceRpm?: string;
  }>;
}

const cases: Array<{ dir: string; file: string; format: RpmDbFormat }> = [
  { dir: "bdb/rhel8-libuuid", file: "Packages", format: "rpm-bdb" },
  { dir: "bdb/fedora32-epoch", file: "Packages", format: "rpm-bdb" },
  { dir: "ndb/sle15-bci", file: "Packages.db", format: "rpm-ndb" },
  { dir: "sqlite/cbl-mariner-2.0", file: "rpmdb.sqlite", format: "rpm-sqlite" },
];

describe("rpm databases from the corpus", () => {
  for (const c of cases) {
    it(`${c.dir}: exactly the expected packages (name, epoch, version, release, arch, source rpm)`, () => {
      const expected = JSON.parse(
        readFileSync(path.join(corpus, c.dir, "expected.json"), "utf8"),
      ) as Expected;
      const errors: unknown[] = [];
      const headers = readRpmHeaders(readFileSync(path.join(corpus, c.dir, c.file)), c.format, c.file, (e) =>
        errors.push(e),
      );
      assert.deepEqual(errors, []);
      const key = (p: {
        name: string;
        epoch?: number | null;
        version: string;
        release: string;
        arch?: string;
        sourceRpm?: string;
      }) => `${p.name} ${p.epoch ?? "-"} ${p.version} ${p.release} ${p.arch ?? "-"} ${p.sourceRpm ?? "-"}`;
      assert.deepEqual(headers.map(key).sort(), expected.packages.map(key).sort());
      assert.ok(expected.packages.length >= 1);
    });
  }

  it("rpm's own test-suite sqlite db: foo, hlinktest and a gpg-pubkey header (left out of the inventory)", () => {
    const file = path.join(corpus, "sqlite/rpm-testsuite/rpmdb.sqlite");
    const headers = readRpmHeaders(readFileSync(file), "rpm-sqlite", file, (e) => assert.fail(String(e)));
    assert.deepEqual(headers.map((h) => `${h.name}-${h.version}-${h.release}.${h.arch ?? "(none)"}`).sort(), [
      "foo-1.0-1.noarch",
      "gpg-pubkey-1964c5fc-58e63918.(none)",
      "hlinktest-1.0-1.noarch",
    ]);
    assert.deepEqual(
      rpmPackages(headers, file)
        .map((p) => p.name)
        .sort(),
      ["foo", "hlinktest"],
    );
  });

  it("source package name and version come from SOURCERPM; the epoch is kept in both versions", () => {
    const file = path.join(corpus, "bdb/rhel8-libuuid/Packages");
    const [p] = rpmPackages(
      readRpmHeaders(readFileSync(file), "rpm-bdb", file, (e) => assert.fail(String(e))),
      file,
    );
    assert.deepEqual(
      [p?.name, p?.version, p?.sourceName, p?.sourceVersion, p?.arch],
      ["libuuid", "2.32.1-42.el8_8", "util-linux", "2.32.1-42.el8_8", "x86_64"],
    );
    const f2 = path.join(corpus, "bdb/fedora32-epoch/Packages");
    const [h] = rpmPackages(
      readRpmHeaders(readFileSync(f2), "rpm-bdb", f2, (e) => assert.fail(String(e))),
      f2,
    );
    assert.deepEqual([h?.version, h?.sourceVersion], ["1:0.0.1-rls", "1:0.0.1-rls"]);
  });

  it("hostile bytes give a typed error with an offset, never a hang", () => {
    for (const c of cases) {
      const bytes = Buffer.from(readFileSync(path.join(corpus, c.dir, c.file)));
      for (let seed = 1; seed <= 20; seed++) {
        const copy = Buffer.from(bytes);
        for (let k = 0; k < 64; k++) copy[(seed * 7919 * (k + 1)) % copy.length] = (seed * 31 + k) & 0xff;
        try {
          readRpmHeaders(copy, c.format, c.file, () => {});
        } catch (e) {
          assert.equal((e as Error).name, "ImageFormatError", `${c.dir} seed ${seed}: ${String(e)}`);
        }
      }
    }
  });
});
