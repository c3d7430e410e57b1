import type { FindingDraft } from "../../rule.js";
import { defineListingCheck } from "../check.js";
import { type Listing, packageCountText } from "../listing.js";
import { packageCountsOf } from "../package-counts.js";

/** The sharing guide's template fields (PUB-1), as a listing names them. */
const REQUIRED: ReadonlyArray<[field: string, present: (l: Listing) => boolean]> = [
  ["imageId", (l) => l.imageId !== ""],
  ["name", (l) => l.name !== ""],
  ["publisher.name", (l) => l.publisher.name !== ""],
  ["publisher.url", (l) => l.publisher.url !== ""],
  ["os.name", (l) => l.os.name !== ""],
  ["keyFeatures", (l) => l.keyFeatures.length > 0],
  ["description", (l) => l.description !== ""],
  ["services", (l) => l.services.length > 0],
  ["releaseNotes.date", (l) => l.releaseNotes.date !== ""],
  ["releaseNotes.notes", (l) => l.releaseNotes.notes.length > 0],
];

function isWebUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === "https:" || u.protocol === "http:") && u.hostname.includes(".");
  } catch {
    return false;
  }
}

/** "ssh.service" and "ssh" name the same service in a listing. */
const bare = (name: string) => name.replace(/\.service$/, "").toLowerCase();

export default defineListingCheck({
  id: "meta-listing-fields",
  clauses: ["PUB-1"],
  severity: "medium",
  title: "The listing leaves out a field of the sharing template",
  requirement:
    "The listing names the AMI ID, name, publisher, publisher URL, OS, key features, description, services and dated release notes.",
  description:
    "A shared image's listing says who published it and what it is: the AMI ID, its name, the publisher and their URL, the OS, key features, a description, the daemons and services it runs, and release notes with the date of the changes. The services, architecture and package counts it states are compared with what the scan found.",
  remediation: "Fill in the field (`amigate listing init` fills what the image knows from its scan).",
  messages: {
    missing: "{{field}} is empty",
    badUrl: "publisher.url is not a web address: {{url}}",
    serviceNotListed: "the image starts {{service}} at boot; services does not name it",
    architectureDiffers: "architecture says {{listed}}; the scan found {{scanned}}",
    packagesDiffer: "packages says {{listed}} installed; the scan counted {{scanned}}",
  },
  check({ listing, evidence }) {
    const out: Array<
      FindingDraft<"missing" | "badUrl" | "serviceNotListed" | "architectureDiffers" | "packagesDiffer">
    > = [];
    for (const [field, present] of REQUIRED)
      if (!present(listing)) out.push({ messageId: "missing", data: { field } });
    if (listing.publisher.url !== "" && !isWebUrl(listing.publisher.url))
      out.push({ messageId: "badUrl", data: { url: listing.publisher.url } });
    const facts = evidence.facts;
    if (facts && listing.services.length > 0) {
      const listed = new Set(listing.services.map(bare));
      for (const s of facts.services)
        if (!listed.has(bare(s.name)))
          out.push({ messageId: "serviceNotListed", data: { service: s.name }, severity: "low" });
    }
    if (facts?.architecture && listing.architecture !== "" && listing.architecture !== facts.architecture)
      out.push({
        messageId: "architectureDiffers" as const,
        data: { listed: listing.architecture, scanned: facts.architecture },
      });
    const scanned = packageCountsOf(facts);
    // A total written without the split is compared as a total.
    const listed = listing.packages;
    if (
      listed &&
      scanned &&
      (listed.total !== scanned.total ||
        (Object.keys(listed.byEcosystem).length > 0 &&
          packageCountText(listed) !== packageCountText(scanned)))
    )
      out.push({
        messageId: "packagesDiffer" as const,
        data: { listed: packageCountText(listed), scanned: packageCountText(scanned) },
      });
    return out;
  },
});
