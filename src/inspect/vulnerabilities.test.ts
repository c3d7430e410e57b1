import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { debianRecords } from "../../test/support/osv-records.js";
import { debianImage, memoryImage } from "../../test/support/trees.js";
import { importFile, openVulnDb, type VulnDb } from "../vuln/db/index.js";
import { matchPackages } from "../vuln/match.js";
import { FactStore } from "./context.js";
import type { InstalledPackage } from "./packages/types.js";
import { inspectorsByName } from "./registry.js";
import { DEFAULT_DB_MAX_AGE_DAYS, vulnerabilitiesInspector } from "./vulnerabilities.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-vulnerabilities-"));
const dbPath = path.join(dir, "vuln.db");

let db: VulnDb;
let debianPackages: InstalledPackage[];

before(async () => {
  db = openVulnDb(dbPath);
  const file = path.join(dir, "debian-test.json");
  writeFileSync(file, JSON.stringify(debianRecords));
  await importFile(db, file, new Date("2026-03-01T00:00:00Z"));
  debianPackages = (await new FactStore(debianImage(), inspectorsByName).get("packages")).packages;
});
after(() => db.close());

const rows = (m: ReturnType<typeof matchPackages>) =>
  m.map((v) => `${v.advisory} ${v.package} ${v.installed} -> ${v.fixed ?? "(none)"}`).sort();

describe("vulnerability matching of the inspected packages", () => {
  it("Debian rootfs: exactly the written records that apply, through source package names", () => {
    const found = matchPackages(db, { id: "debian", version: "12" }, debianPackages);
    const openssh = debianPackages
      .filter((p) => p.sourceName === "openssh")
      .map((p) => p.name)
      .sort();
    const openssl = debianPackages
      .filter((p) => p.sourceName === "openssl")
      .map((p) => p.name)
      .sort();
    assert.ok(openssh.includes("openssh-server") && openssl.includes("libssl3"));
    assert.deepEqual(
      rows(found),
      [
        ...openssl.map((n) => `T-OPENSSL-FIXED-LATER ${n} 3.0.20-1~deb12u2 -> 3.0.20-1~deb12u3`),
        ...openssh.map((n) => `T-OPENSSH-SOURCE-EPOCH ${n} 1:9.2p1-2+deb12u10 -> 1:9.2p1-2+deb12u11`),
        "T-BASH-NEXT-FIXED bash 5.2.15-2 -> 5.2.15-3",
        "T-GZIP-VERSION-LIST gzip 1.12-1 -> (none)",
        "T-SUDO-LAST-AFFECTED-EQUAL sudo 1.9.13p3-1+deb12u4 -> (none)",
      ].sort(),
    );
    const ssh = found.find((v) => v.advisory === "T-OPENSSH-SOURCE-EPOCH");
    assert.deepEqual(
      [ssh?.matchedName, ssh?.aliases, ssh?.ecosystem, ssh?.release],
      ["openssh", ["CVE-0000-22"], "Debian", "12"],
    );
  });
});

describe("vulnerabilities inspector", () => {
  it("declares no paths (it reads other facts)", () => {
    assert.deepEqual(vulnerabilitiesInspector.paths, []);
  });

  it("with a database: checked, the matcher's matches, the DB's size and its age at the scan date", async () => {
    const store = new FactStore(debianImage(), inspectorsByName, {
      vulnDb: dbPath,
      now: new Date("2026-03-11T12:00:00Z"),
    });
    const facts = await store.get("vulnerabilities");
    assert.equal(facts.state, "checked");
    assert.equal(facts.dbPath, dbPath);
    assert.equal(facts.db?.advisories, debianRecords.length);
    assert.equal(facts.dbAgeDays, 10);
    assert.equal(facts.maxAgeDays, DEFAULT_DB_MAX_AGE_DAYS);
    assert.deepEqual(
      rows(facts.matches),
      rows(matchPackages(db, { id: "debian", version: "12" }, debianPackages)),
    );
    assert.deepEqual(store.notes, []);
  });

  it("without a database: skipped, with a note saying how to get one", async () => {
    const store = new FactStore(debianImage(), inspectorsByName, {
      vulnDb: path.join(dir, "absent.db"),
      vulnDbMaxAgeDays: 3,
    });
    const facts = await store.get("vulnerabilities");
    assert.deepEqual([facts.state, facts.maxAgeDays, facts.matches], ["no-database", 3, []]);
    assert.deepEqual(store.notes, [facts.note]);
    assert.match(facts.note ?? "", /amigate db update/);
  });

  it("an empty database is a skip, never checked", async () => {
    const empty = path.join(dir, "empty.db");
    openVulnDb(empty).close();
    const facts = await new FactStore(debianImage(), inspectorsByName, { vulnDb: empty }).get(
      "vulnerabilities",
    );
    assert.equal(facts.state, "empty-database");
  });

  it("a file that is not a database is a skip", async () => {
    const junk = path.join(dir, "junk.db");
    writeFileSync(junk, "not an sqlite database, not even close ".repeat(200));
    const facts = await new FactStore(debianImage(), inspectorsByName, { vulnDb: junk }).get(
      "vulnerabilities",
    );
    assert.equal(facts.state, "unreadable-database");
    assert.match(facts.note ?? "", /^vulnerability checks were skipped: /);
  });

  it("an OS without an advisory source, and an image without packages, are skips", async () => {
    const gentoo = debianImage({ "/etc/os-release": 'ID=gentoo\nVERSION_ID="2.15"\n' });
    const unsupported = await new FactStore(gentoo, inspectorsByName, { vulnDb: dbPath }).get(
      "vulnerabilities",
    );
    assert.equal(unsupported.state, "unsupported-os");
    assert.match(unsupported.note ?? "", /no advisory source for OS "gentoo 2\.15"/);
    const bare = memoryImage({ "/etc/os-release": "ID=debian\nVERSION_ID=12\n" });
    const none = await new FactStore(bare, inspectorsByName, { vulnDb: dbPath }).get("vulnerabilities");
    assert.equal(none.state, "no-packages");
  });
});
