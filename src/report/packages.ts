import type { PackageInventory } from "../scan/inventory.js";
import { visible } from "./common.js";

/**
 * `amigate packages --format json`: one root is the documented {root, os, packages, runtimes,
 * databases, unknowns} object, several a {roots: [...]} list of those. A contract: fields are
 * added, never renamed.
 */
export function renderPackagesJson(inventory: PackageInventory): string {
  const roots = inventory.roots.map((r) => ({
    root: r.root,
    os: r.os,
    packages: r.packages.map((p) => ({
      name: p.name,
      version: p.version,
      sourceName: p.sourceName,
      sourceVersion: p.sourceVersion,
      arch: p.arch ?? null,
      ecosystem: p.ecosystem,
    })),
    runtimes: r.runtimes,
    databases: r.databases,
    unknowns: r.unknowns,
  }));
  return `${JSON.stringify(roots.length === 1 ? roots[0] : { roots }, null, 2)}\n`;
}

/** One line per package, runtime and unreadable file, under a heading per root. */
export function renderPackagesText(inventory: PackageInventory): string {
  const out: string[] = [];
  for (const r of inventory.roots) {
    out.push(
      `# ${visible(r.root)}  ${visible(r.os.prettyName ?? r.os.id ?? "unknown OS")}  (${r.packages.length} packages)`,
    );
    for (const p of r.packages) {
      const src =
        p.sourceName !== p.name || p.sourceVersion !== p.version
          ? `  [${p.sourceName} ${p.sourceVersion}]`
          : "";
      out.push(visible(`${p.name} ${p.version} ${p.arch ?? ""}${src}`));
    }
    for (const rt of r.runtimes) out.push(visible(`runtime ${rt.product} ${rt.cycle} (${rt.evidence})`));
    for (const u of r.unknowns) out.push(visible(`unreadable: ${u.path}: ${u.error}`));
  }
  return out.length > 0 ? `${out.join("\n")}\n` : "";
}
