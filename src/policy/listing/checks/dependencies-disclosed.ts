import { defineListingCheck } from "../check.js";
import { disclosureText, hostNamed, hostsIn } from "./disclosure.js";

export default defineListingCheck({
  id: "meta-dependencies-disclosed",
  clauses: ["USE-4"],
  severity: "high",
  title: "The listing does not disclose what the image downloads at deployment",
  requirement: "External dependencies at deployment are listed, available, secure and free.",
  description:
    'When the scan saw commands that download at first boot (rule first-boot-downloads), the listing must say so: "This product requires an internet connection to deploy properly. The following packages are downloaded on deployment: …". Each host the commands fetch from must be named in externalDependencies, the description or the usage instructions.',
  remediation:
    "List each download and its source under externalDependencies (or install it into the image at build time).",
  messages: {
    undisclosed: "the image downloads at first boot ({{count}} commands) and externalDependencies is empty",
    hostNotNamed: "the image downloads from {{host}} at first boot; the listing does not name it",
  },
  check({ listing, evidence }) {
    const seen = evidence.findings.filter((f) => f.rule === "first-boot-downloads");
    if (seen.length === 0) return [];
    if (listing.externalDependencies.length === 0)
      return [{ messageId: "undisclosed", data: { count: seen.length } }];
    const text = disclosureText(listing);
    return hostsIn(seen)
      .filter((host) => !hostNamed(host, text))
      .map((host) => ({ messageId: "hostNotNamed" as const, data: { host } }));
  },
});
