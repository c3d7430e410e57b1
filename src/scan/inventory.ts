import type { Unknown } from "../inspect/context.js";
import type { OsFacts } from "../inspect/os.js";
import type { DetectedRuntime } from "../inspect/packages/runtimes.js";
import type { InstalledPackage, PackageDatabase } from "../inspect/packages/types.js";
import { VERSION } from "../version.js";
import { ScanSession, type ScanTarget } from "./session.js";

/** The package inventory of one OS root: what `amigate packages` prints and the SBOMs describe. */
export interface InventoryRoot {
  root: string;
  os: OsFacts;
  packages: InstalledPackage[];
  runtimes: DetectedRuntime[];
  databases: PackageDatabase[];
  unknowns: Unknown[];
}

export interface PackageInventory {
  tool: { name: "amigate"; version: string };
  target: { input: string; kind: string; description: string };
  /** ISO 8601, when the inventory was taken. */
  createdAt: string;
  roots: InventoryRoot[];
}

/** Each root's packages, read with the scan session's facts (no rules run): what a scan reads. */
export async function takeInventory(target: ScanTarget, now: Date = new Date()): Promise<PackageInventory> {
  const roots: InventoryRoot[] = [];
  for (const { root, facts: store } of new ScanSession(target).roots) {
    const os = await store.get("os");
    const facts = await store.get("packages");
    roots.push({
      root,
      os,
      packages: facts.packages,
      runtimes: facts.runtimes,
      databases: facts.databases,
      unknowns: store.unknowns,
    });
  }
  return {
    tool: { name: "amigate", version: VERSION },
    target: { input: target.input, kind: target.kind, description: target.description },
    createdAt: now.toISOString(),
    roots,
  };
}
