import assert from "node:assert/strict";
import { test } from "node:test";
import type { InstalledPackage } from "../inspect/packages/types.js";
import { packageUrl, purlOf } from "./purl.js";

const pkg = (over: Partial<InstalledPackage>): InstalledPackage => ({
  name: "bash",
  version: "5.2.15-2+b13",
  sourceName: "bash",
  sourceVersion: "5.2.15-2+b13",
  arch: "amd64",
  ecosystem: "dpkg",
  source: "/var/lib/dpkg/status",
  ...over,
});
const debian12 = { family: "linux" as const, id: "debian", version: "12" };

test("deb: namespace from os-release, the epoch kept readable, + and ~ encoded, qualifiers sorted", () => {
  assert.equal(purlOf(pkg({}), debian12), "pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64&distro=debian-12");
  assert.equal(
    purlOf(pkg({ name: "bsdutils", version: "1:2.38.1-5+deb12u3" }), debian12),
    "pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12",
  );
  assert.equal(
    purlOf(pkg({ name: "debianutils", version: "5.7-0.5~deb12u1" }), { id: "ubuntu", version: "24.04" }),
    "pkg:deb/ubuntu/debianutils@5.7-0.5~deb12u1?arch=amd64&distro=ubuntu-24.04",
  );
  assert.equal(
    purlOf(pkg({ arch: undefined }), { id: "debian" }),
    "pkg:deb/debian/bash@5.2.15-2%2Bb13?distro=debian",
  );
});

test("rpm: version-release, the epoch a qualifier; apk; no purl for Windows entries", () => {
  assert.equal(
    purlOf(
      pkg({ name: "openssl-libs", version: "1:3.0.8-1.amzn2023.0.14", arch: "x86_64", ecosystem: "rpm" }),
      {
        id: "amzn",
        version: "2023",
      },
    ),
    "pkg:rpm/amzn/openssl-libs@3.0.8-1.amzn2023.0.14?arch=x86_64&distro=amzn-2023&epoch=1",
  );
  assert.equal(
    purlOf(pkg({ name: "musl", version: "1.2.5-r0", arch: "x86_64", ecosystem: "apk" }), {
      id: "alpine",
      version: "3.20.3",
    }),
    "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3",
  );
  assert.equal(
    purlOf(pkg({ name: "7-Zip 23.01 (x64)", ecosystem: "windows" }), { id: "windows" }),
    undefined,
  );
});

test("names and values percent-encoded; empty qualifiers left out", () => {
  assert.equal(
    packageUrl("generic", "a b", "x/y@z", "1.0 beta", { b: "2 3", a: undefined, c: "" }),
    "pkg:generic/a%20b/x%2Fy%40z@1.0%20beta?b=2%203",
  );
});
