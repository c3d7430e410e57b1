import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eolStatus, loadEolDataset, osEolStatus } from "./index.js";

const at = (d: string) => new Date(`${d}T12:00:00Z`);

describe("end-of-life dataset", () => {
  it("is dated and sourced per product, covering the OSes and runtimes the policy names", () => {
    const data = loadEolDataset();
    assert.match(data.asOf, /^\d{4}-\d{2}-\d{2}$/);
    for (const id of [
      "amazon-linux",
      "ubuntu",
      "debian",
      "rhel",
      "centos",
      "rocky-linux",
      "almalinux",
      "sles",
      "alpine-linux",
      "windows-server",
      "python",
      "nodejs",
      "php",
      "ruby",
      "postgresql",
      "mysql",
      "mariadb",
      "nginx",
    ]) {
      assert.ok(data.products[id], id);
      assert.match(data.products[id]!.source, /endoflife\.date\/blob\/[0-9a-f]{40}\/products\//);
      assert.ok(data.products[id]!.releases.length > 0, id);
    }
  });

  // Each boundary from both sides: the EoL day is still supported, the next day is not; 90 days before warns.
  const boundaries: Array<{ os: { id: string; version: string }; eol: string; cycle: string }> = [
    { os: { id: "amzn", version: "2" }, eol: "2026-06-30", cycle: "2" },
    { os: { id: "amzn", version: "2023" }, eol: "2029-06-30", cycle: "2023" },
    { os: { id: "amzn", version: "2018.03" }, eol: "2023-12-31", cycle: "2018.03" },
    { os: { id: "centos", version: "7" }, eol: "2024-06-30", cycle: "7" },
    { os: { id: "alpine", version: "3.18.4" }, eol: "2025-05-09", cycle: "3.18" },
  ];
  for (const b of boundaries) {
    it(`${b.os.id} ${b.os.version}: supported / eol-soon / eol around ${b.eol}`, () => {
      const eolDay = Date.parse(b.eol);
      const day = (offset: number) => new Date(eolDay + offset * 86_400_000 + 43_200_000);
      assert.equal(osEolStatus(b.os, day(-91))?.state, "supported");
      assert.equal(osEolStatus(b.os, day(-90))?.state, "eol-soon");
      assert.equal(osEolStatus(b.os, day(0))?.state, "eol-soon");
      assert.equal(osEolStatus(b.os, day(0))?.daysLeft, 0);
      const after = osEolStatus(b.os, day(1));
      assert.equal(after?.state, "eol");
      assert.equal(after?.cycle, b.cycle);
      assert.equal(after?.eol, b.eol);
      assert.equal(after?.daysLeft, -1);
    });
  }

  it("Ubuntu 18.04 past standard support keeps its ESM date, stated and not treated as supported", () => {
    const s = osEolStatus({ id: "ubuntu", version: "18.04" }, at("2026-11-23"));
    assert.equal(s?.state, "eol");
    assert.deepEqual(s?.extended, {
      label: "Expanded Security Maintenance",
      until: "2028-04-01",
      free: false,
      past: false,
    });
  });

  it("Debian 12: Debian LTS (free, from Debian) follows regular support and counts as supported to 2028-06-30", () => {
    const state = (d: string) => {
      const s = osEolStatus({ id: "debian", version: "12" }, at(d));
      return [s?.state, s?.daysLeft, s?.inFreeExtended ?? false];
    };
    // The regular end (2026-07-11) is not near while LTS runs on: no warning before it either.
    assert.deepEqual(state("2026-05-01"), ["supported", 71, false]);
    assert.deepEqual(state("2026-07-12"), ["extended", 719, true]);
    assert.deepEqual(state("2028-04-01"), ["eol-soon", 90, true]);
    assert.deepEqual(state("2028-06-30"), ["eol-soon", 0, true]);
    assert.deepEqual(state("2028-07-01")[0], "eol");
    const s = osEolStatus({ id: "debian", version: "12" }, at("2026-12-04"));
    assert.equal(s?.extended?.reference, "https://wiki.debian.org/LTS");
    assert.equal(s?.extended?.free, true);
  });

  it("runtimes: python 3.9 and node 18 by cycle; unknown products and cycles give undefined", () => {
    assert.equal(eolStatus("python", "3.9", at("2025-10-30"))?.state, "eol-soon");
    assert.equal(eolStatus("python", "3.9", at("2025-11-01"))?.state, "eol");
    assert.equal(eolStatus("nodejs", "18", at("2025-01-29"))?.state, "supported");
    assert.equal(eolStatus("nodejs", "18", at("2025-04-30"))?.state, "eol-soon");
    assert.equal(eolStatus("nodejs", "18", at("2025-05-01"))?.state, "eol");
    assert.equal(eolStatus("nodejs", "18.20.4", at("2025-05-01"))?.cycle, "18");
    assert.equal(eolStatus("python", "9.99", at("2025-01-01")), undefined);
    assert.equal(osEolStatus({ id: "plan9", version: "4" }, at("2025-01-01")), undefined);
  });

  it("Windows Server by build number", () => {
    assert.equal(osEolStatus({ id: "windows", version: "10.0.20348" }, at("2026-01-01"))?.cycle, "2022");
  });
});
