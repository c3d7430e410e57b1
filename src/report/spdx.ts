import { randomUUID } from "node:crypto";
import type { PackageInventory } from "../scan/inventory.js";
import { purlOf } from "./purl.js";

/**
 * SPDX 2.3 JSON (spdx-spec v2.3, chapters 6, 7 and 11; the JSON form of its schemas/spdx-schema.json).
 * Only what the document must hold and what we know: no licenses or copyrights are guessed
 * (NOASSERTION), and files are not analysed.
 */
export interface SpdxDocument {
  spdxVersion: "SPDX-2.3";
  dataLicense: "CC0-1.0";
  SPDXID: "SPDXRef-DOCUMENT";
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[]; comment?: string };
  packages: SpdxPackage[];
  relationships: SpdxRelationship[];
}

export interface SpdxPackage {
  name: string;
  SPDXID: string;
  versionInfo?: string;
  downloadLocation: "NOASSERTION";
  filesAnalyzed: false;
  licenseConcluded: "NOASSERTION";
  licenseDeclared: "NOASSERTION";
  copyrightText: "NOASSERTION";
  sourceInfo?: string;
  description?: string;
  comment?: string;
  primaryPackagePurpose?: "OPERATING_SYSTEM" | "LIBRARY" | "APPLICATION" | "FILE";
  externalRefs?: Array<{
    referenceCategory: "PACKAGE-MANAGER";
    referenceType: "purl";
    referenceLocator: string;
  }>;
}

export interface SpdxRelationship {
  spdxElementId: string;
  relationshipType: "DESCRIBES" | "CONTAINS";
  relatedSpdxElement: string;
}

/** Where document namespaces live: unique per document, not meant to resolve (RFC 6761's .invalid). */
export const SPDX_NAMESPACE_BASE = "https://amigate.invalid/spdx/";

/** SPDXRef-<idstring>: letters, digits, "." and "-" only (spec 7.2). */
function spdxId(...parts: string[]): string {
  return `SPDXRef-${parts.join("-").replace(/[^A-Za-z0-9.-]+/g, "-")}`;
}

/** The inventory as one SPDX 2.3 document: the target DESCRIBED, CONTAINS each OS root, CONTAINS its packages. */
export function spdxDocument(inventory: PackageInventory): SpdxDocument {
  const packages: SpdxPackage[] = [];
  const relationships: SpdxRelationship[] = [];
  const ids = new Set<string>();
  const uniqueId = (...parts: string[]) => {
    const wanted = spdxId(...parts);
    let id = wanted;
    for (let n = 2; ids.has(id); n++) id = `${wanted}-${n}`;
    ids.add(id);
    return id;
  };
  const none = {
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    licenseConcluded: "NOASSERTION",
    licenseDeclared: "NOASSERTION",
    copyrightText: "NOASSERTION",
  } as const;

  const targetId = uniqueId("Target");
  packages.push({
    name: inventory.target.input,
    SPDXID: targetId,
    ...none,
    description: inventory.target.description,
    primaryPackagePurpose: "FILE",
  });
  relationships.push({
    spdxElementId: "SPDXRef-DOCUMENT",
    relationshipType: "DESCRIBES",
    relatedSpdxElement: targetId,
  });

  for (const [i, r] of inventory.roots.entries()) {
    const osId = uniqueId("OperatingSystem", String(i + 1));
    packages.push({
      name: r.os.id ?? "unknown",
      SPDXID: osId,
      ...(r.os.version ? { versionInfo: r.os.version } : {}),
      ...none,
      ...(r.os.prettyName ? { description: r.os.prettyName } : {}),
      comment: `OS root ${r.root}`,
      primaryPackagePurpose: "OPERATING_SYSTEM",
    });
    relationships.push({ spdxElementId: targetId, relationshipType: "CONTAINS", relatedSpdxElement: osId });
    for (const p of r.packages) {
      const purl = purlOf(p, r.os);
      const id = uniqueId("Package", p.ecosystem, p.name, p.arch ?? "", String(i + 1));
      packages.push({
        name: p.name,
        SPDXID: id,
        versionInfo: p.version,
        ...none,
        ...(p.sourceName !== p.name || p.sourceVersion !== p.version
          ? { sourceInfo: `built from source package ${p.sourceName} ${p.sourceVersion}` }
          : {}),
        comment: `${p.ecosystem} package read from ${p.source}`,
        primaryPackagePurpose: "LIBRARY",
        ...(purl
          ? {
              externalRefs: [
                { referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: purl },
              ],
            }
          : {}),
      });
      relationships.push({ spdxElementId: osId, relationshipType: "CONTAINS", relatedSpdxElement: id });
    }
    for (const rt of r.runtimes) {
      if (rt.installedBy.kind !== "unpackaged") continue;
      const id = uniqueId("Runtime", rt.product, String(i + 1));
      packages.push({
        name: rt.product,
        SPDXID: id,
        versionInfo: rt.version ?? rt.cycle,
        ...none,
        comment: `installed outside the package manager: ${rt.evidence}`,
        primaryPackagePurpose: "APPLICATION",
      });
      relationships.push({ spdxElementId: osId, relationshipType: "CONTAINS", relatedSpdxElement: id });
    }
  }

  const name = inventory.target.input;
  return {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name,
    documentNamespace: `${SPDX_NAMESPACE_BASE}${encodeURIComponent(name.split(/[\\/]/).filter(Boolean).pop() ?? "image")}-${randomUUID()}`,
    creationInfo: {
      // Spec 6.9: YYYY-MM-DDThh:mm:ssZ, no fractions.
      created: inventory.createdAt.replace(/\.\d+Z$/, "Z"),
      creators: [`Tool: ${inventory.tool.name}-${inventory.tool.version}`],
    },
    packages,
    relationships,
  };
}

export function renderSpdx(inventory: PackageInventory): string {
  return `${JSON.stringify(spdxDocument(inventory), null, 2)}\n`;
}
