import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { debianRecords } from "../../test/support/osv-records.js";
import { SHARED } from "../../test/support/trees.js";
import { dbStatus, importFile, openVulnDb, type VulnDb } from "./db/index.js";
import { type MatchablePackage, matchPackages } from "./match.js";
import { dbSummary, VulnDbReader } from "./reader.js";

const corpus = path.join(SHARED, "corpus");
const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-match-"));

let db: VulnDb;

before(async () => {
  db = openVulnDb(path.join(dir, "vuln.db"));
  const file = path.join(dir, "debian-test.json");
  writeFileSync(file, JSON.stringify(debianRecords));
  await importFile(db, file);
  await importFile(db, path.join(corpus, "osv"));
  await importFile(db, path.join(corpus, "alas/fixtures/updateinfo_AL2023.xml.gz"));
  await importFile(db, path.join(corpus, "alas/fixtures/updateinfo_2_items.xml.gz"));
});
after(() => db.close());

const pkg = (
  name: string,
  version: string,
  sourceName = name,
  sourceVersion = version,
  ecosystem = "rpm",
): MatchablePackage & { ecosystem: string; source: string } => ({
  name,
  version,
  sourceName,
  sourceVersion,
  ecosystem,
  source: "test",
});
const rows = (m: ReturnType<typeof matchPackages>) =>
  m.map((v) => `${v.advisory} ${v.package} ${v.installed} -> ${v.fixed ?? "(none)"}`).sort();

describe("vulnerability matching", () => {
  it("real Debian DSA record: nginx in Debian 7 before and at the fixed version", () => {
    const m = matchPackages(db, { id: "debian", version: "7.11" }, [
      pkg("nginx-common", "1.2.1-2.2+wheezy2", "nginx", "1.2.1-2.2+wheezy2", "dpkg"),
      pkg("nginx-light", "1.2.1-2.2+wheezy3", "nginx", "1.2.1-2.2+wheezy3", "dpkg"),
    ]);
    assert.deepEqual(rows(m), ["DSA-3029-1 nginx-common 1.2.1-2.2+wheezy2 -> 1.2.1-2.2+wheezy3"]);
    assert.deepEqual(m[0]?.aliases, ["CVE-2014-3616"]);
  });

  it("real AlmaLinux record: openssh binaries by rpm name and EVR, severity from the summary", () => {
    const m = matchPackages(db, { id: "almalinux", version: "9.4" }, [
      pkg("openssh-server", "8.7p1-38.el9_4"),
      pkg("openssh-clients", "8.7p1-38.el9_4.1"),
      pkg("openssh", "8.7p1-38.el9"),
    ]);
    const ids = rows(m).filter((r) => r.startsWith("ALSA-2024:4312"));
    assert.deepEqual(ids, [
      "ALSA-2024:4312 openssh 8.7p1-38.el9 -> 8.7p1-38.el9_4.1",
      "ALSA-2024:4312 openssh-server 8.7p1-38.el9_4 -> 8.7p1-38.el9_4.1",
    ]);
    assert.equal(m.find((v) => v.advisory === "ALSA-2024:4312")?.severity, "high");
    assert.ok(m.find((v) => v.advisory === "ALSA-2024:4312")?.aliases.includes("CVE-2024-6387"));
    assert.deepEqual(
      matchPackages(db, { id: "almalinux", version: "8.10" }, [
        pkg("openssh-server", "8.7p1-38.el9_4"),
      ]).filter((v) => v.advisory === "ALSA-2024:4312"),
      [],
    );
  });

  it("real Alpine record: openssl in v3.8 by origin with apk order; v3.9 is not listed", () => {
    const m = matchPackages(db, { id: "alpine", version: "3.8.5" }, [
      pkg("libssl1.0", "1.0.2p-r0", "openssl", "1.0.2p-r0", "apk"),
      pkg("libcrypto1.0", "1.0.2q-r0", "openssl", "1.0.2q-r0", "apk"),
    ]);
    assert.deepEqual(rows(m), ["CVE-2018-5407 libssl1.0 1.0.2p-r0 -> 1.0.2q-r0"]);
    assert.deepEqual(
      matchPackages(db, { id: "alpine", version: "3.9.0" }, [
        pkg("libssl1.0", "1.0.2p-r0", "openssl", "1.0.2p-r0", "apk"),
      ]),
      [],
    );
  });

  it("real Ubuntu record: an explicit versions list under Ubuntu:Pro:14.04", () => {
    const m = matchPackages(db, { id: "ubuntu", version: "14.04" }, [
      pkg("linux-image-3.13.0-24-generic", "3.13.0-24.47", "linux", "3.13.0-24.47", "dpkg"),
    ]);
    assert.deepEqual(rows(m), ["UBUNTU-CVE-2025-38094 linux-image-3.13.0-24-generic 3.13.0-24.47 -> (none)"]);
    assert.equal(m[0]?.severity, "medium");
  });

  it("ALAS updateinfo: Amazon Linux 2023 rsyslog and AL2 advisories by release", () => {
    const m = matchPackages(db, { id: "amzn", version: "2023" }, [
      pkg("rsyslog", "8.2204.0-3.amzn2023.0.1"),
      pkg("rsyslog-openssl", "8.2204.0-3.amzn2023.0.2"),
    ]);
    assert.deepEqual(rows(m), [
      "ALAS2023-2023-001 rsyslog 8.2204.0-3.amzn2023.0.1 -> 8.2204.0-3.amzn2023.0.2",
    ]);
    assert.deepEqual(m[0]?.aliases, ["CVE-2014-3634", "CVE-2022-24903"]);
    assert.equal(m[0]?.severity, "high");
    assert.deepEqual(
      matchPackages(db, { id: "amzn", version: "2" }, [pkg("rsyslog", "8.2204.0-3.amzn2023.0.1")]),
      [],
    );
  });

  it("re-import is idempotent and the DB records sources, counts and dates", async () => {
    const before = dbStatus(db);
    await importFile(db, path.join(corpus, "osv"));
    const after = dbStatus(db);
    assert.equal(after.advisories, before.advisories);
    assert.deepEqual(after.ecosystems, before.ecosystems);
    assert.equal(after.imports.length, before.imports.length + 1);
    const osv = after.imports.at(-1)!;
    assert.equal(osv.source, "osv");
    // 25 OSV records; INDEX.json and the JSON Schema are not records.
    assert.equal(osv.records, 25);
    assert.ok(after.ecosystems.some((e) => e.ecosystem === "AlmaLinux" && e.release === "9"));
    assert.ok(after.ecosystems.some((e) => e.ecosystem === "Amazon Linux" && e.release === "2023"));
    assert.equal(after.withdrawn, 1);
  });

  it("a reader opened once sums the database up as dbStatus does and matches as matchPackages does, call after call", () => {
    const reader = VulnDbReader.open(path.join(dir, "vuln.db"));
    try {
      const { advisories, lastImport } = dbStatus(db);
      assert.deepEqual(reader.summary(), { advisories, lastImport });
      assert.deepEqual(dbSummary(db), { advisories, lastImport });
      const debian = [
        pkg("openssl", "3.0.20-1~deb12u2"),
        pkg("libc6", "2.36-9", "glibc", "2.36-9"),
        pkg("tar", "1.35"),
      ];
      const expected = matchPackages(db, { id: "debian", version: "12" }, debian);
      assert.ok(expected.length >= 2);
      for (let i = 0; i < 3; i++)
        assert.deepEqual(reader.match({ id: "debian", version: "12" }, debian), expected);
      // The cached entries are not shared with what a caller gets back.
      reader.match({ id: "debian", version: "12" }, debian)[0]!.aliases.push("X");
      assert.deepEqual(reader.match({ id: "debian", version: "12" }, debian), expected);
    } finally {
      reader.close();
    }
  });
});
