/**
 * What the scan saw reaching out (first-boot downloads, scheduled connections) and whether a
 * listing names it: shared by the USE-4 and USE-6 checks.
 */
import type { Finding } from "../../result.js";
import type { Listing } from "../listing.js";

/** Hosts named by URLs or `host/path` in a finding's evidence ("deb.example.com"). */
export function hostsIn(findings: readonly Finding[]): string[] {
  const hosts = new Set<string>();
  for (const f of findings) {
    const text = `${f.evidence ?? ""} ${f.message}`;
    for (const m of text.matchAll(/\b(?:https?|ftp|s3):\/\/([A-Za-z0-9.-]+)/g))
      hosts.add(m[1]!.toLowerCase());
    // scheduled-external-connections names the host in its message data.
    const host = f.data?.host;
    if (typeof host === "string" && /^[A-Za-z0-9.-]+(:\d+)?$/.test(host)) hosts.add(host.toLowerCase());
  }
  return [...hosts].sort();
}

/** The listing's disclosure text: its dependency list, description and usage instructions. */
export function disclosureText(listing: Listing): string {
  return [...listing.externalDependencies, listing.description, listing.usageInstructions]
    .join("\n")
    .toLowerCase();
}

/** A host is named when it, or its registrable part ("example.com" for "deb.example.com"), appears. */
export function hostNamed(host: string, text: string): boolean {
  const bareHost = host.replace(/:\d+$/, "");
  const labels = bareHost.split(".");
  const domain = labels.length > 2 ? labels.slice(-2).join(".") : bareHost;
  return text.includes(bareHost) || text.includes(domain);
}
