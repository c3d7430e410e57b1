import { defineListingCheck } from "../check.js";
import { disclosureText, hostNamed, hostsIn } from "./disclosure.js";

export default defineListingCheck({
  id: "meta-connections-disclosed",
  clauses: ["USE-6"],
  severity: "high",
  title: "The listing does not disclose the image's ongoing external connections",
  requirement: "Ongoing connections to external resources are disclosed.",
  description:
    'When the scan saw scheduled jobs that connect to outside endpoints (rule scheduled-external-connections), the listing must say so: "This product requires an ongoing internet connection. The following ongoing external services are required to properly function: …", naming each endpoint.',
  remediation:
    "Name each external service the image connects to under externalDependencies, or remove the job.",
  messages: {
    undisclosed: "scheduled jobs connect to {{hosts}} and externalDependencies is empty",
    hostNotNamed: "a scheduled job connects to {{host}}; the listing does not name it",
  },
  check({ listing, evidence }) {
    const seen = evidence.findings.filter((f) => f.rule === "scheduled-external-connections");
    if (seen.length === 0) return [];
    const hosts = hostsIn(seen);
    if (listing.externalDependencies.length === 0)
      return [{ messageId: "undisclosed", data: { hosts: hosts.join(", ") || `${seen.length} jobs` } }];
    const text = disclosureText(listing);
    return hosts
      .filter((host) => !hostNamed(host, text))
      .map((host) => ({ messageId: "hostNotNamed" as const, data: { host } }));
  },
});
