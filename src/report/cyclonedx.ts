import { randomUUID } from "node:crypto";
// Subpath imports: the package root also loads its resources and validators, which a bundle
// cannot carry (they find their files from __dirname).
import * as Enums from "@cyclonedx/cyclonedx-library/Enums";
import * as Models from "@cyclonedx/cyclonedx-library/Models";
import * as Serialize from "@cyclonedx/cyclonedx-library/Serialize";
import * as Spec from "@cyclonedx/cyclonedx-library/Spec";
import type { InventoryRoot, PackageInventory } from "../scan/inventory.js";
import { purlOf } from "./purl.js";

/** Property names in our own namespace (CycloneDX reserves "cdx:"). */
export const CDX_PROPERTY = {
  root: "amigate:root",
  source: "amigate:sourcePackage",
  database: "amigate:packageDatabase",
  ecosystem: "amigate:ecosystem",
  evidence: "amigate:evidence",
} as const;

function osComponent(r: InventoryRoot, ref: string): Models.Component {
  const os = new Models.Component(Enums.ComponentType.OperatingSystem, r.os.id ?? "unknown", {
    ...(r.os.version ? { version: r.os.version } : {}),
    ...(r.os.prettyName ? { description: r.os.prettyName } : {}),
  });
  os.bomRef.value = ref;
  os.properties.add(new Models.Property(CDX_PROPERTY.root, r.root));
  return os;
}

/**
 * The inventory as a CycloneDX 1.6 JSON BOM (@cyclonedx/cyclonedx-library): the scanned target is
 * the BOM's subject, each OS root an operating-system component, each installed package a library
 * with its purl, each runtime installed outside the package manager an application. Lists are
 * sorted, so two inventories of the same image differ only in serial number and timestamp.
 */
export function renderCycloneDx(inventory: PackageInventory): string {
  const bom = new Models.Bom({ serialNumber: `urn:uuid:${randomUUID()}` });
  bom.metadata.timestamp = new Date(inventory.createdAt);
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, inventory.tool.name, {
      version: inventory.tool.version,
    }),
  );
  const subject = new Models.Component(Enums.ComponentType.File, inventory.target.input, {
    description: inventory.target.description,
  });
  subject.bomRef.value = "target";
  bom.metadata.component = subject;

  const refs = new Set<string>();
  const uniqueRef = (wanted: string) => {
    let ref = wanted;
    for (let n = 2; refs.has(ref); n++) ref = `${wanted}#${n}`;
    refs.add(ref);
    return ref;
  };
  const multiRoot = inventory.roots.length > 1;
  for (const r of inventory.roots) {
    const os = osComponent(r, uniqueRef(`os:${r.root}`));
    bom.components.add(os);
    subject.dependencies.add(os.bomRef);
    for (const p of r.packages) {
      const purl = purlOf(p, r.os);
      const c = new Models.Component(Enums.ComponentType.Library, p.name, {
        version: p.version,
        ...(purl ? { purl } : {}),
      });
      c.bomRef.value = uniqueRef(
        `${multiRoot ? `${r.root}|` : ""}${purl ?? `${p.ecosystem}:${p.name}@${p.version}`}`,
      );
      c.properties.add(new Models.Property(CDX_PROPERTY.ecosystem, p.ecosystem));
      c.properties.add(new Models.Property(CDX_PROPERTY.database, p.source));
      if (multiRoot) c.properties.add(new Models.Property(CDX_PROPERTY.root, r.root));
      if (p.sourceName !== p.name || p.sourceVersion !== p.version)
        c.properties.add(new Models.Property(CDX_PROPERTY.source, `${p.sourceName} ${p.sourceVersion}`));
      bom.components.add(c);
      os.dependencies.add(c.bomRef);
    }
    for (const rt of r.runtimes) {
      if (rt.installedBy.kind !== "unpackaged") continue;
      const c = new Models.Component(Enums.ComponentType.Application, rt.product, {
        version: rt.version ?? rt.cycle,
      });
      c.bomRef.value = uniqueRef(`${multiRoot ? `${r.root}|` : ""}runtime:${rt.product}@${rt.evidence}`);
      c.properties.add(new Models.Property(CDX_PROPERTY.evidence, rt.evidence));
      if (multiRoot) c.properties.add(new Models.Property(CDX_PROPERTY.root, r.root));
      bom.components.add(c);
      os.dependencies.add(c.bomRef);
    }
  }
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}
