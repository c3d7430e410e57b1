/**
 * The listing facts of a scan of the real Debian rootfs, each against its peer: systemctl for the
 * services, dpkg-query for the packages, dpkg for the architecture; and release notes suggested
 * between two versions of it.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { writeHive } from "../../test/support/regf-writer.js";
import { debianImage, debianRootfsPath, memoryImage } from "../../test/support/trees.js";
import { windowsChanges } from "../../test/support/windows-tree.js";
import { draftListing } from "../policy/listing/draft.js";
import { parseListing } from "../policy/listing/listing.js";
import { withScanPackageCounts } from "../policy/listing/package-counts.js";
import { releaseNotesBetween } from "../policy/listing/release-notes.js";
import type { ScanResult } from "../policy/result.js";
import { imageSession } from "./session.js";

const NOW = new Date("2026-03-01T00:00:00Z");
let report: ScanResult;

describe("listing facts of the Debian rootfs", () => {
  before(async () => {
    report = await imageSession(debianImage(), { now: NOW }).result();
  });

  it("OS and architecture as EC2 names them", () => {
    const facts = report.listingFacts!;
    assert.deepEqual([facts.os.name, facts.os.version, facts.os.family], ["Debian GNU/Linux", "12", "linux"]);
    const dpkgArch = execFileSync("dpkg", [`--root=${debianRootfsPath()}`, "--print-architecture"], {
      encoding: "utf8",
    }).trim();
    assert.equal(facts.architecture, { amd64: "x86_64", arm64: "arm64", i386: "i386" }[dpkgArch]);
  });

  it("services: systemctl's enabled unit files, then the SysV scripts", () => {
    const enabled = execFileSync(
      "systemctl",
      ["list-unit-files", `--root=${debianRootfsPath()}`, "--state=enabled", "--no-legend", "--no-pager"],
      { encoding: "utf8" },
    )
      .split("\n")
      .map((l) => l.trim().split(/\s+/)[0]!)
      .filter((n) => n !== "")
      .sort();
    assert.deepEqual(
      report.listingFacts!.services.map((s) => s.name),
      [...enabled, "hwclock.sh", "procps"],
    );
  });

  it("sshd listens on its default port 22", () => {
    assert.deepEqual(report.listingFacts!.listeningPorts, [
      { port: 22, protocol: "tcp", service: "ssh.service", source: "sshd's default Port" },
    ]);
  });

  it("packages: what dpkg-query lists as installed", () => {
    const peer = execFileSync(
      "dpkg-query",
      [
        `--admindir=${path.join(debianRootfsPath(), "var/lib/dpkg")}`,
        "-W",
        // dpkg-query's own ${field} format, not a template.
        ["-f=", "{db:Status-Abbrev}\t", "{Package}\t", "{Version}\n"].join("$"),
      ],
      { encoding: "utf8" },
    )
      .split("\n")
      .filter((l) => l.startsWith("ii"))
      .map((l) => l.split("\t").slice(1).join(" "))
      .sort();
    const ours = report.listingFacts!.packages.map((p) => `${p.name} ${p.version}`).sort();
    assert.ok(peer.length > 100, `dpkg-query listed ${peer.length}`);
    assert.deepEqual(ours, peer);
  });

  it("a draft listing carries them, leaving what only the publisher can write empty", () => {
    const l = draftListing({
      imageId: "ami-0123456789abcdef0",
      name: "acme-web-1.4.2",
      publisher: { name: "acme", url: "https://acme.example.com" },
      report,
      now: NOW,
    });
    assert.deepEqual(
      [l.product, l.version, l.os, l.architecture, l.listeningPorts[0]],
      [
        "acme-web",
        "1.4.2",
        { name: "Debian GNU/Linux", version: "12" },
        report.listingFacts!.architecture,
        { port: 22, protocol: "tcp", service: "ssh.service" },
      ],
    );
    assert.ok(l.services.includes("ssh.service"));
    assert.deepEqual(l.releaseNotes, { date: "2026-03-01", notes: ["First version of acme-web."] });
    assert.deepEqual([l.usageInstructions, l.keyFeatures], ["", []]);
  });

  it("package counts: the draft's is dpkg-query's; a listing without one takes the scan's, never another", () => {
    const listed = execFileSync(
      "dpkg-query",
      [`--admindir=${path.join(debianRootfsPath(), "var/lib/dpkg")}`, "-W"],
      { encoding: "utf8" },
    )
      .split("\n")
      .filter((l) => l !== "").length;
    assert.ok(listed > 100, `dpkg-query listed ${listed}`);
    const draft = draftListing({ ...drafting(), report });
    assert.deepEqual(draft.packages, { total: listed, byEcosystem: { dpkg: listed } });

    const written = parseListing({ name: "acme-web" });
    assert.equal(written.packages, undefined);
    assert.deepEqual(withScanPackageCounts(written, report.listingFacts).packages, draft.packages);
    assert.equal(withScanPackageCounts(written, undefined).packages, undefined, "no scan: no count");
    const own = parseListing({ packages: { total: 3 } });
    assert.deepEqual(withScanPackageCounts(own, report.listingFacts).packages, { total: 3, byEcosystem: {} });
    // An image whose package database could not be read has no count (not 0).
    const unread = { ...report.listingFacts!, packages: [] };
    assert.equal(
      draftListing({ ...drafting(), report: { ...report, listingFacts: unread } }).packages,
      undefined,
    );
  });
});

const drafting = () => ({
  imageId: "",
  name: "acme-web-1.4.2",
  publisher: { name: "", url: "" },
  now: NOW,
});

describe("release notes between two versions", () => {
  it("name the upgraded, added and removed packages", async () => {
    const status = readFileSync(path.join(debianRootfsPath(), "var/lib/dpkg/status"), "utf8");
    const sudo = /^Package: sudo\n(?:.+\n)*?Version: (.+)$/m.exec(status)!;
    const procps = /^Package: procps\n[\s\S]*?\n\n/m.exec(status)!;
    const changed =
      status
        .replace(sudo[0], sudo[0].replace(`Version: ${sudo[1]}`, "Version: 1.9.13p3-1+deb12u9"))
        .replace(procps[0], "") +
      "\nPackage: acme-agent\nStatus: install ok installed\nArchitecture: all\nVersion: 2.0-1\nDescription: x\n";
    const next = await imageSession(debianImage({ "/var/lib/dpkg/status": changed }), { now: NOW }).result();
    assert.deepEqual(releaseNotesBetween(report, next), [
      `Upgraded 1 package: sudo ${sudo[1]} → 1.9.13p3-1+deb12u9`,
      "Added: acme-agent 2.0-1",
      "Removed: procps",
    ]);
  });
});

describe("listing facts of a Windows volume", () => {
  it("automatic Win32 services from the SYSTEM hive, RDP's port, the architecture from the kernel", async () => {
    const service = (start: number, type: number, display?: string) => ({
      values: { Start: start, Type: type, ...(display ? { DisplayName: display } : {}) },
    });
    const system = writeHive({
      keys: {
        Select: { values: { Current: 1, Default: 1, LastKnownGood: 1 } },
        ControlSet001: {
          keys: {
            Control: { keys: { "Terminal Server": { values: { fDenyTSConnections: 0 } } } },
            Services: {
              keys: {
                W32Time: service(2, 0x20, "@%SystemRoot%\\system32\\w32time.dll,-200"),
                AmazonSSMAgent: service(2, 0x10, "Amazon SSM Agent"),
                Spooler: service(3, 0x10, "Print Spooler"),
                disk: service(0, 0x1),
                CDPUserSvc: service(2, 0x60),
              },
            },
          },
        },
      },
    });
    const image = memoryImage(
      windowsChanges({ files: { "/Windows/System32/config/SYSTEM": { type: "file", content: system } } }),
    );
    const facts = (await imageSession(image, { now: NOW }).result()).listingFacts!;
    assert.equal(facts.os.family, "windows");
    assert.equal(facts.architecture, "x86_64");
    assert.deepEqual(
      facts.services.map((s) => [s.name, s.via, s.displayName]),
      [
        ["AmazonSSMAgent", "windows", "Amazon SSM Agent"],
        ["W32Time", "windows", undefined],
      ],
    );
    assert.deepEqual(
      facts.listeningPorts.map((p) => [p.port, p.service]),
      [[3389, "TermService"]],
    );
  });
});
