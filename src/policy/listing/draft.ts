/**
 * A listing drafted from what is already known: the scan's listing facts (OS, architecture,
 * services, ports, package counts), the registered image (id, name, description), the publisher, the scan's
 * outgoing connections as external dependencies, and release notes from the previous version.
 * What only the publisher can write (key features, usage instructions) is left empty, so the
 * listing checks ask for it.
 */
import type { ScanResult } from "../result.js";
import { hostsIn } from "./checks/disclosure.js";
import { type Listing, parseListing } from "./listing.js";
import { packageCountsOf } from "./package-counts.js";
import { releaseNotesBetween } from "./release-notes.js";

export interface DraftInput {
  imageId: string;
  /** The AMI name; the product and version are suggested from it. */
  name: string;
  description?: string;
  publisher: { name: string; url: string };
  /** The image's scan (its listing facts and findings), if scanned. */
  report?: ScanResult;
  /** The previous version of the same listing and its scan, for release notes. */
  previous?: { listing: Listing; report?: ScanResult };
  /** The release date (default today). */
  now?: Date;
}

/** "acme-web-1.4.2" → ["acme-web", "1.4.2"]; a name without a trailing version is the product itself. */
export function productAndVersion(name: string): [product: string, version: string] {
  const m = /^(.+?)[-_ ]v?(\d[\w.+~-]*)$/.exec(name);
  return m ? [m[1]!, m[2]!] : [name, ""];
}

export function draftListing(input: DraftInput): Listing {
  const facts = input.report?.listingFacts;
  const [product, version] = productAndVersion(input.name);
  const findings = input.report?.findings ?? [];
  const downloads = hostsIn(findings.filter((f) => f.rule === "first-boot-downloads"));
  const connections = hostsIn(findings.filter((f) => f.rule === "scheduled-external-connections"));
  const previous = input.previous;
  // Without the previous version's scan nothing can be compared: the publisher writes the notes.
  const packages = packageCountsOf(facts);
  const notes = previous
    ? previous.report && input.report
      ? releaseNotesBetween(previous.report, input.report)
      : []
    : [`First version of ${product}.`];
  return parseListing({
    imageId: input.imageId,
    name: input.name,
    product: previous?.listing.product || product,
    version,
    publisher: input.publisher,
    os: { name: facts?.os.name ?? "", version: facts?.os.version ?? "" },
    architecture: facts?.architecture ?? "",
    keyFeatures: previous?.listing.keyFeatures ?? [],
    description: input.description || previous?.listing.description || "",
    services: (facts?.services ?? []).map((s) => s.name),
    listeningPorts: (facts?.listeningPorts ?? []).map((p) => ({
      port: p.port,
      protocol: p.protocol,
      ...(p.service ? { service: p.service } : {}),
    })),
    ...(packages ? { packages } : {}),
    usageInstructions: previous?.listing.usageInstructions ?? "",
    releaseNotes: { date: (input.now ?? new Date()).toISOString().slice(0, 10), notes },
    addOnTo: previous?.listing.addOnTo ?? "",
    externalDependencies: [
      ...downloads.map((h) => `${h}: downloaded from at first boot`),
      ...connections.map((h) => `${h}: contacted by a scheduled job`),
    ],
    dataCollection: previous?.listing.dataCollection ?? "",
  });
}
