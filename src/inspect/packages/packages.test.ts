import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { debianImage, debianRootfsPath, memoryImage, SHARED } from "../../../test/support/trees.js";
import type { Image } from "../../fs/image.js";
import { FactStore } from "../context.js";
import { inspectorsByName } from "../registry.js";
import { parseApkInstalled } from "./apk.js";
import { parseDpkgStatus } from "./dpkg.js";
import { packagesInspector } from "./index.js";

const corpus = path.join(SHARED, "corpus");

/** trivy's expected fields: Epoch / Version / Release split, Src* likewise. */
interface TrivyPackage {
  Name: string;
  Epoch?: number;
  Version: string;
  Release?: string;
  SrcName?: string;
  SrcEpoch?: number;
  SrcVersion?: string;
  SrcRelease?: string;
  Arch?: string;
}
function joinVersion(
  epoch: number | undefined,
  version: string | undefined,
  release: string | undefined,
): string {
  return `${epoch ? `${epoch}:` : ""}${version ?? ""}${release ? `-${release}` : ""}`;
}
function trivyRow(p: TrivyPackage): string {
  return `${p.Name} ${joinVersion(p.Epoch, p.Version, p.Release)} ${p.SrcName} ${joinVersion(p.SrcEpoch, p.SrcVersion, p.SrcRelease)} ${p.Arch ?? "-"}`;
}
function readExpected(rel: string): TrivyPackage[] {
  return (JSON.parse(readFileSync(path.join(corpus, rel), "utf8")) as { packages: TrivyPackage[] }).packages;
}

async function facts(image: Image) {
  return new FactStore(image, inspectorsByName).get("packages");
}

describe("dpkg status", () => {
  for (const dir of ["ubuntu-18.04", "ubuntu-corrupted", "third-party", "only-apt"]) {
    it(`${dir}: exactly trivy's expected packages (name, version, source, arch)`, () => {
      const got = parseDpkgStatus(
        readFileSync(path.join(corpus, "dpkg", dir, "status"), "utf8"),
        "/var/lib/dpkg/status",
      );
      const rows = got.map(
        (p) => `${p.name} ${p.version} ${p.sourceName} ${p.sourceVersion} ${p.arch ?? "-"}`,
      );
      assert.deepEqual(rows.sort(), readExpected(`dpkg/${dir}/expected.json`).map(trivyRow).sort());
    });
  }

  it("status.d (distroless): a stanza without Status counts, a config-files one does not", async () => {
    const foo = readFileSync(path.join(corpus, "dpkg/status.d-synthetic/foo"), "utf8");
    const md5 = readFileSync(path.join(corpus, "dpkg/status.d-synthetic/foo.md5sums"), "utf8");
    const f = await facts(
      memoryImage({ "/var/lib/dpkg/status.d/foo": foo, "/var/lib/dpkg/status.d/foo.md5sums": md5 }),
    );
    assert.deepEqual(
      f.packages.map((p) => `${p.name} ${p.version} ${p.arch}`),
      ["foo 1.2.3 amd64"],
    );
    assert.deepEqual(f.databases, [{ path: "/var/lib/dpkg/status.d", format: "dpkg-status.d", count: 1 }]);
  });

  it("the Debian rootfs: inventory equals dpkg-query -W --admindir on the same tree", async () => {
    const rootfs = debianRootfsPath();
    const out = execFileSync(
      "dpkg-query",
      [
        "-W",
        `--admindir=${rootfs}/var/lib/dpkg`,
        "-f",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format
        "${db:Status-Abbrev}|${Package} ${Version} ${Architecture} ${source:Package} ${source:Version}\n",
      ],
      { encoding: "utf8" },
    );
    // Only "ii" lines are installed; dpkg-query also lists config-files leftovers (none expected here).
    const lines = out.trim().split("\n");
    const installed = lines.filter((l) => l.startsWith("ii")).map((l) => l.slice(l.indexOf("|") + 1));
    assert.equal(installed.length, lines.length);
    assert.ok(installed.length > 150);
    const f = await facts(debianImage());
    assert.deepEqual(
      f.packages.map((p) => `${p.name} ${p.version} ${p.arch} ${p.sourceName} ${p.sourceVersion}`).sort(),
      installed.sort(),
    );
    assert.ok(f.packages.every((p) => p.ecosystem === "dpkg"));
    assert.deepEqual(
      f.databases.map((d) => d.format),
      ["dpkg-status"],
    );
    assert.ok(
      f.runtimes.some((r) => r.product === "python" && r.cycle === "3.11"),
      JSON.stringify(f.runtimes),
    );
  });
});

describe("apk installed db", () => {
  it("alpine-3.4: exactly trivy's 15 packages (the record without V: is skipped)", () => {
    const got = parseApkInstalled(readFileSync(path.join(corpus, "apk/alpine-3.4/installed"), "utf8"), "x");
    const rows = got.map((p) => `${p.name} ${p.version} ${p.sourceName} ${p.sourceVersion} ${p.arch ?? "-"}`);
    assert.deepEqual(rows.sort(), readExpected("apk/alpine-3.4/expected.json").map(trivyRow).sort());
  });
  it("scalibr (Alpine 3.18): exactly the 15 expected packages with origin and arch", async () => {
    const text = readFileSync(path.join(corpus, "apk/scalibr/installed"), "utf8");
    const f = await facts(memoryImage({ "/lib/apk/db/installed": text }));
    const expected = JSON.parse(readFileSync(path.join(corpus, "apk/scalibr/expected.json"), "utf8")) as {
      packages: Array<{ name: string; origin: string; version: string; arch: string }>;
    };
    assert.deepEqual(
      f.packages.map((p) => `${p.name} ${p.version} ${p.sourceName} ${p.arch} ${p.ecosystem}`).sort(),
      expected.packages.map((p) => `${p.name} ${p.version} ${p.origin} ${p.arch} apk`).sort(),
    );
  });
});

describe("packages fact", () => {
  it("reads an rpmdb.sqlite at /var/lib/rpm and a python3.X binary outside the package manager", async () => {
    const db = readFileSync(path.join(corpus, "rpm/sqlite/cbl-mariner-2.0/rpmdb.sqlite"));
    const f = await facts(
      memoryImage({
        "/var/lib/rpm/rpmdb.sqlite": { type: "file", content: db },
        "/usr/local/bin/python3.8": "",
      }),
    );
    assert.equal(f.packages.length, 129);
    assert.ok(
      f.packages.some((p) => p.name === "curl" && p.version === "7.76.0-6.cm2" && p.ecosystem === "rpm"),
    );
    assert.deepEqual(f.databases, [{ path: "/var/lib/rpm/rpmdb.sqlite", format: "rpm-sqlite", count: 129 }]);
    assert.ok(
      f.runtimes.some(
        (r) => r.product === "python" && r.cycle === "3.8" && r.evidence === "/usr/local/bin/python3.8",
      ),
    );
  });
  it("a damaged rpmdb becomes an unknown, not a crash", async () => {
    const image = memoryImage({ "/var/lib/rpm/Packages.db": "RpmP garbage" });
    const store = new FactStore(image, inspectorsByName);
    const f = await store.get("packages");
    assert.deepEqual(f.packages, []);
    assert.equal(store.unknowns.length, 1);
    assert.match(store.unknowns[0]!.error, /ndb header/);
  });
  it("declares the paths it reads", () => {
    for (const p of [
      "/var/lib/dpkg/status",
      "/var/lib/rpm/Packages",
      "/var/lib/rpm/rpmdb.sqlite",
      "/var/lib/rpm/Packages.db",
      "/lib/apk/db/installed",
    ]) {
      assert.ok(packagesInspector.paths.includes(p), p);
    }
  });
});
