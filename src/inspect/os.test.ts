import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { debianImage, memoryImage, SHARED } from "../../test/support/trees.js";
import { FactStore } from "./context.js";
import { osInspector, parseLsbRelease, parseOsRelease, parseReleaseLine } from "./os.js";
import { inspectorsByName } from "./registry.js";

/** The shared corpus beside the repo (CI), or where the worktrees see it. */
const CORPUS = [SHARED, "/work/shared"].map((s) => path.join(s, "corpus/os-release")).find(existsSync) ?? "";
const read = (p: string) => readFileSync(path.join(CORPUS, p), "utf8");
const osOf = (files: Record<string, string>) => new FactStore(memoryImage(files), inspectorsByName).get("os");

/** trivy's OS family names where they differ from the os-release ID we report. */
const TRIVY_FAMILY_TO_ID: Record<string, string> = {
  alma: "almalinux",
  redhat: "rhel",
  "cbl-mariner": "mariner",
  oracle: "ol",
  "centos-stream": "centos",
  slem: "sle-micro|sle-micro-rancher|sl-micro",
  "opensuse-leap": "opensuse-leap|opensuse",
};

describe("os inspector", () => {
  it("declares the files it reads", () => {
    assert.ok(osInspector.paths.includes("/etc/os-release"));
    assert.ok(osInspector.paths.includes("/etc/system-release"));
  });

  it("agrees with trivy on its os-release cases", () => {
    const { expected } = JSON.parse(read("trivy/expected.json")) as {
      expected: Record<string, { family: string; version: string } | null>;
    };
    assert.ok(Object.keys(expected).length >= 25);
    for (const [dir, want] of Object.entries(expected)) {
      const facts = parseOsRelease(read(`trivy/${dir}/os-release`), "/etc/os-release");
      if (want === null) continue; // trivy gives up on these; we keep what the file says
      assert.ok(facts, dir);
      const ids = (TRIVY_FAMILY_TO_ID[want.family] ?? want.family).split("|");
      assert.ok(ids.includes(facts.id!), `${dir}: id ${facts.id} vs trivy ${want.family}`);
      assert.equal(facts.version, want.version, dir);
    }
  });

  it("keeps the name when os-release has no ID, and reads every field", () => {
    assert.deepEqual(parseOsRelease(read("trivy/no-id/os-release"), "/etc/os-release"), {
      family: "linux",
      version: "3.15.4",
      name: "Alpine Linux",
      prettyName: "Alpine Linux v3.15",
      source: "/etc/os-release",
    });
    const alma = parseOsRelease(read("trivy/alma/os-release"), "/etc/os-release");
    assert.deepEqual(alma?.like, ["rhel", "centos", "fedora"]);
    assert.equal(alma?.prettyName, "AlmaLinux 9.4 (Seafoam Ocelot)");
  });

  it("gives every one of the real os-release files (51) a non-empty id", () => {
    const root = path.join(CORPUS, "which-distro");
    let count = 0;
    for (const distro of readdirSync(root)) {
      for (const release of readdirSync(path.join(root, distro))) {
        const facts = parseOsRelease(
          readFileSync(path.join(root, distro, release), "utf8"),
          "/etc/os-release",
        );
        assert.ok(facts?.id, `${distro}/${release}`);
        assert.equal(
          facts.id,
          distro === "debian" || distro === "sles_sap" ? facts.id : distro,
          `${distro}/${release}`,
        );
        count++;
      }
    }
    assert.ok(count >= 50, `${count} files`);
  });

  it("reads Amazon Linux system-release like trivy", () => {
    const { expected } = JSON.parse(read("amazon-system-release/expected.json")) as {
      expected: Record<string, { version: string }>;
    };
    for (const [file, want] of Object.entries(expected)) {
      const facts = parseReleaseLine(read(`amazon-system-release/${file}`), "/etc/system-release");
      assert.equal(facts?.id, "amzn", file);
      // trivy keeps the words around the number; the release number is what we report.
      assert.equal(facts.version, /(\d[\d.]*)/.exec(want.version)![1], file);
    }
    assert.equal(parseReleaseLine("foo bar\n", "/etc/system-release"), undefined);
  });

  it("reads Red Hat family release files", () => {
    const cases: Record<string, [string, string]> = {
      "alma/etc/almalinux-release": ["almalinux", "8.4"],
      "centos/etc/centos-release": ["centos", "7.6.1810"],
      "fedora_29/etc/fedora-release": ["fedora", "29"],
      "oracle_7/etc/oracle-release": ["ol", "7.6"],
      "redhat_6/etc/redhat-release": ["rhel", "6.2"],
      "rocky/etc/rocky-release": ["rocky", "8.4"],
    };
    for (const [file, [id, version]] of Object.entries(cases)) {
      const facts = parseReleaseLine(read(`trivy-redhatbase/${file}`), "/etc/x-release");
      assert.deepEqual([facts?.id, facts?.version], [id, version], file);
    }
    assert.equal(
      parseReleaseLine(read("trivy-redhatbase/rocky/etc/rocky-release"), "/x")?.codename,
      "Green Obsidian",
    );
  });

  it("reads lsb-release, debian_version and alpine-release when os-release is missing", async () => {
    assert.deepEqual(parseLsbRelease(read("trivy-ubuntu/etc/lsb-release"), "/etc/lsb-release"), {
      family: "linux",
      id: "ubuntu",
      name: "Ubuntu",
      version: "18.04",
      codename: "bionic",
      prettyName: "Ubuntu 18.04.2 LTS",
      source: "/etc/lsb-release",
    });
    const debian9 = await osOf({ "/etc/debian_version": read("trivy-debian/debian_9/etc/debian_version") });
    assert.deepEqual([debian9.id, debian9.version, debian9.source], ["debian", "9.8", "/etc/debian_version"]);
    const sid = await osOf({ "/etc/debian_version": read("trivy-debian/debian_sid/etc/debian_version") });
    assert.equal(sid.version, "buster/sid");
    const alpine = await osOf({ "/etc/alpine-release": read("trivy-alpine/etc/alpine-release") });
    assert.deepEqual([alpine.id, alpine.version], ["alpine", "3.11.6"]);
    const amazon = await osOf({ "/etc/system-release": read("amazon-system-release/al2.system-release") });
    assert.deepEqual([amazon.id, amazon.version, amazon.codename], ["amzn", "2", "Karoo"]);
  });

  it("prefers /etc/os-release, falls back to /usr/lib/os-release, then to release files", async () => {
    const both = await osOf({
      "/etc/os-release": read("which-distro/ubuntu/22.04"),
      "/usr/lib/os-release": read("which-distro/debian/12"),
      "/etc/lsb-release": read("trivy-ubuntu/etc/lsb-release"),
    });
    assert.deepEqual([both.id, both.version, both.source], ["ubuntu", "22.04", "/etc/os-release"]);
    const lib = await osOf({ "/usr/lib/os-release": read("which-distro/rocky/9.4") });
    assert.deepEqual([lib.id, lib.version, lib.source], ["rocky", "9.4", "/usr/lib/os-release"]);
    const broken = await osOf({
      "/etc/os-release": "garbage\n",
      "/etc/redhat-release": "Red Hat Enterprise Linux release 8.10 (Ootpa)\n",
    });
    assert.deepEqual([broken.id, broken.version], ["rhel", "8.10"]);
  });

  it("recognises a Windows tree and an unidentified one", async () => {
    const win = await osOf({ "/Windows/System32/config/SYSTEM": "regf" });
    assert.deepEqual(win, {
      family: "windows",
      id: "windows",
      name: "Windows",
      source: "/Windows/System32/config",
    });
    assert.deepEqual(await osOf({ "/srv/x": "" }), {});
    assert.deepEqual(await osOf({ "/etc/passwd": "root:x:0:0::/root:/bin/sh\n" }), {
      family: "linux",
      source: "/etc/passwd",
    });
  });

  it("identifies the real Debian rootfs", async () => {
    const os = await new FactStore(debianImage(), inspectorsByName).get("os");
    assert.deepEqual([os.family, os.id, os.version, os.codename], ["linux", "debian", "12", "bookworm"]);
  });
});
