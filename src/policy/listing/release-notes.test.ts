import assert from "node:assert/strict";
import { test } from "node:test";
import { scanFinding } from "../../../test/support/listing-tester.js";
import type { ListingPackage } from "./facts.js";
import { packageChanges, suggestReleaseNotes, vulnerabilityIds } from "./release-notes.js";

const dpkg = (name: string, version: string): ListingPackage => ({ name, version, ecosystem: "dpkg" });

test("package changes by each ecosystem's version order", () => {
  const changes = packageChanges(
    [
      dpkg("openssl", "3.0.11-1~deb12u2"),
      dpkg("curl", "7.88.1-10+deb12u5"),
      dpkg("vim", "2:9.0.1378-2"),
      dpkg("gone", "1"),
    ],
    [
      dpkg("openssl", "3.0.15-1~deb12u1"),
      dpkg("curl", "7.88.1-10+deb12u4"),
      dpkg("vim", "2:9.0.1378-2"),
      dpkg("new", "2"),
    ],
  );
  assert.deepEqual(changes, {
    added: [dpkg("new", "2")],
    removed: [dpkg("gone", "1")],
    upgraded: [{ name: "openssl", from: "3.0.11-1~deb12u2", to: "3.0.15-1~deb12u1" }],
    // "~" sorts before anything in dpkg's order, so deb12u4 < deb12u5 is a downgrade.
    downgraded: [{ name: "curl", from: "7.88.1-10+deb12u5", to: "7.88.1-10+deb12u4" }],
  });
  assert.deepEqual(suggestReleaseNotes(changes, ["DSA-5678-1"]), [
    "Fixed vulnerabilities: DSA-5678-1",
    "Upgraded 1 package: openssl 3.0.11-1~deb12u2 → 3.0.15-1~deb12u1",
    "Added: new 2",
    "Removed: gone",
    "Downgraded: curl 7.88.1-10+deb12u5 → 7.88.1-10+deb12u4",
  ]);
});

test("long lists are counted past fifteen names; nothing changed, no notes", () => {
  const before = Array.from({ length: 20 }, (_, i) => dpkg(`p${String(i).padStart(2, "0")}`, "1.0"));
  const after = before.map((p) => ({ ...p, version: "1.1" }));
  const [note] = suggestReleaseNotes(packageChanges(before, after));
  assert.match(note!, /^Upgraded 20 packages: p00 1\.0 → 1\.1, .* and 5 more$/);
  assert.deepEqual(suggestReleaseNotes(packageChanges(before, before)), []);
});

test("vulnerability ids from known-vulnerabilities findings, ignored ones too", () => {
  const f = (ids: string) => scanFinding("known-vulnerabilities", { data: { ids } });
  assert.deepEqual(
    [
      ...vulnerabilityIds({
        findings: [f("DSA-1, CVE-2024-1"), scanFinding("other")],
        ignored: [{ ...f("DLA-2"), ignoreReason: "x" }],
      }),
    ],
    ["DSA-1", "DLA-2"],
  );
});
