/**
 * `amigate packages --format cyclonedx|spdx` through the real CLI on the Debian rootfs fixture:
 * each document is valid (CycloneDX against the official 1.6 schema; SPDX against 2.3's documented
 * requirements) and names every package dpkg-query lists, with its purl.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { cycloneDxValidator } from "./support/cyclonedx-schema.js";
import { spdxProblems } from "./support/spdx-requirements.js";
import { debianRootfsPath, REPO_ROOT } from "./support/trees.js";

const CLI = path.join(REPO_ROOT, "src/cli/main.ts");
const TSX = import.meta.resolve("tsx");
const work = mkdtempSync(path.join(os.tmpdir(), "amigate-sbom-"));
after(() => rmSync(work, { recursive: true, force: true }));

function amigate(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", TSX, CLI, ...args], {
    cwd: work,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** dpkg's own view of the fixture: "name version arch". */
function dpkgQuery(rootfs: string): string[] {
  return execFileSync(
    "dpkg-query",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format
    ["-W", `--admindir=${rootfs}/var/lib/dpkg`, "-f", "${Package} ${Version} ${Architecture}\\n"],
    { encoding: "utf8" },
  )
    .trim()
    .split("\n")
    .sort();
}

interface CdxComponent {
  type: string;
  name: string;
  version?: string;
  purl?: string;
  "bom-ref"?: string;
}

describe("amigate packages --format cyclonedx", () => {
  it("is a valid CycloneDX 1.6 BOM naming every dpkg package with its purl", () => {
    const rootfs = debianRootfsPath();
    const out = path.join(work, "bom.json");
    const r = amigate("packages", rootfs, "--format", "cyclonedx", "--output", out);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "");
    const bom = JSON.parse(readFileSync(out, "utf8")) as {
      specVersion: string;
      serialNumber: string;
      metadata: { component: CdxComponent };
      components: CdxComponent[];
      dependencies: Array<{ ref: string; dependsOn?: string[] }>;
    };
    const validate = cycloneDxValidator();
    assert.ok(validate(bom), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    assert.equal(bom.specVersion, "1.6");
    assert.match(bom.serialNumber, /^urn:uuid:[0-9a-f-]{36}$/);
    const osc = bom.components.filter((c) => c.type === "operating-system");
    assert.deepEqual(
      osc.map((c) => [c.name, c.version]),
      [["debian", "12"]],
    );
    const libraries = bom.components.filter((c) => c.type === "library");
    const peer = dpkgQuery(rootfs);
    assert.equal(libraries.length, peer.length);
    assert.deepEqual(
      libraries.map((c) => `${c.name} ${c.version}`).sort(),
      peer.map((l) => l.replace(/ \S+$/, "")).sort(),
    );
    // purls as purl-spec writes them: deb type, debian namespace, epoch readable, + encoded.
    const purls = new Map(libraries.map((c) => [c.name, c.purl]));
    const bash = peer.find((l) => l.startsWith("bash "))!.split(" ");
    assert.equal(
      purls.get("bash"),
      `pkg:deb/debian/bash@${bash[1]!.replaceAll("+", "%2B")}?arch=${bash[2]}&distro=debian-12`,
    );
    const bsdutils = peer.find((l) => l.startsWith("bsdutils "))!.split(" ");
    assert.match(bsdutils[1]!, /^1:/);
    assert.equal(
      purls.get("bsdutils"),
      `pkg:deb/debian/bsdutils@${bsdutils[1]!.replaceAll("+", "%2B")}?arch=amd64&distro=debian-12`,
    );
    for (const line of peer) {
      const [name, version, arch] = line.split(" ") as [string, string, string];
      const purl = purls.get(name)!;
      assert.match(
        purl,
        /^pkg:deb\/debian\/[a-z0-9.%A-F-]+@[A-Za-z0-9.~:%-]+\?arch=[a-z0-9]+&distro=debian-12$/,
        purl,
      );
      assert.equal(decodeURIComponent(purl.slice(0, purl.indexOf("?"))), `pkg:deb/debian/${name}@${version}`);
      assert.ok(purl.includes(`?arch=${arch}&`), purl);
    }
    // The target depends on its OS, the OS on its packages.
    const deps = new Map(bom.dependencies.map((d) => [d.ref, d.dependsOn ?? []]));
    assert.deepEqual(deps.get(bom.metadata.component["bom-ref"]!), [osc[0]!["bom-ref"]]);
    assert.equal(deps.get(osc[0]!["bom-ref"]!)!.length, peer.length);
  });

  it("the schema check rejects what CycloneDX forbids (so the test above could fail)", () => {
    const validate = cycloneDxValidator();
    const base = { bomFormat: "CycloneDX", specVersion: "1.6", version: 1 };
    assert.ok(validate({ ...base, components: [{ type: "library", name: "x" }] }));
    assert.equal(validate({ ...base, components: [{ type: "package", name: "x" }] }), false);
    assert.equal(validate({ ...base, components: [{ type: "library" }] }), false);
    assert.equal(validate({ ...base, bomFormat: "SPDX" }), false);
  });
});

describe("amigate packages --format spdx", () => {
  it("is an SPDX 2.3 document: required fields, unique ids, relationships that resolve, the same purls", () => {
    const rootfs = debianRootfsPath();
    const r = amigate("packages", rootfs, "--format", "spdx");
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Record<string, unknown> & {
      packages: Array<{
        name: string;
        SPDXID: string;
        versionInfo?: string;
        externalRefs?: Array<{ referenceLocator: string }>;
      }>;
      relationships: Array<{ spdxElementId: string; relationshipType: string; relatedSpdxElement: string }>;
    };
    assert.deepEqual(spdxProblems(doc), []);
    const peer = dpkgQuery(rootfs);
    const withPurl = doc.packages.filter((p) => p.externalRefs?.length);
    assert.equal(withPurl.length, peer.length);
    const cdx = JSON.parse(amigate("packages", rootfs, "--format", "cyclonedx").stdout) as {
      components: CdxComponent[];
    };
    assert.deepEqual(
      withPurl.map((p) => p.externalRefs![0]!.referenceLocator).sort(),
      cdx.components.flatMap((c) => (c.purl ? [c.purl] : [])).sort(),
    );
    // DOCUMENT DESCRIBES the target, which CONTAINS the OS, which CONTAINS each package.
    const contains = doc.relationships.filter((x) => x.relationshipType === "CONTAINS");
    assert.equal(contains.length, peer.length + 1);
    // The check finds what SPDX forbids.
    const broken = structuredClone(doc);
    const lost = broken.packages[3]!.SPDXID;
    broken.packages[3]!.SPDXID = broken.packages[2]!.SPDXID;
    delete (broken.creationInfo as { created?: string }).created;
    broken.relationships[0]!.relatedSpdxElement = "SPDXRef-nothing";
    // Tag-value's spelling; the JSON form's is OPERATING_SYSTEM.
    (broken.packages[1] as { primaryPackagePurpose?: string }).primaryPackagePurpose = "OPERATING-SYSTEM";
    assert.deepEqual(spdxProblems(broken), [
      "creationInfo.created: YYYY-MM-DDThh:mm:ssZ",
      "packages[1].primaryPackagePurpose: not a purpose SPDX defines",
      `packages[3].SPDXID: ${doc.packages[2]!.SPDXID} is not unique`,
      "relationships[0].relatedSpdxElement: SPDXRef-nothing names no element",
      `relationships[3].relatedSpdxElement: ${lost} names no element`,
    ]);
  });
});
